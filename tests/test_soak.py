"""A short soak under gunicorn with several workers on PostgreSQL: visitors read the
showcase and item pages while moderators act and sellers edit. Zero 5xx, and no
lost update: every listing's version counts exactly the moves in its log.

Bounded: SOAK_SECONDS (default 15) of load on loopback only.
"""

import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from models import Listing, ListingStatus, ModerationEvent
from tests.conftest import csrf_from

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = float(os.environ.get("SOAK_SECONDS", "15"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A tiny cookie-keeping HTTP client that records every status it gets."""

    def __init__(self, base, statuses):
        self.base = base
        self.statuses = statuses
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                code, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            code, text = err.code, err.read().decode(errors="replace")
        self.statuses.append(code)
        return code, text

    def token(self, path):
        return csrf_from(self.request(path)[1])

    def login(self, email, password):
        code, _ = self.request("/login", {"email": email, "password": password, "csrf_token": self.token("/login")})
        assert code == 302


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_soak(app, app_config, make_user, make_listing, tmp_path):
    if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
        pytest.skip("gunicorn is not installed")
    admin = make_user(username="boss", admin=True)
    sellers = [make_user(username=f"seller{i}") for i in range(3)]
    listings = []
    for seller in sellers:
        for n in range(4):
            status = ListingStatus.APPROVED if n % 2 else ListingStatus.MODERATION
            listings.append(make_listing(seller, status=status, admin=admin, name=f"Item {seller.id}-{n}"))

    port = _free_port()
    env = dict(os.environ, **{k: str(v) for k, v in app_config.items() if isinstance(v, str)})
    env.update(PUBLIC_URL="http://127.0.0.1")
    server_log = open(tmp_path / "gunicorn.log", "w+b")
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w", "3", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "app:create_app()"],
        # Into a file: a line per request would fill a pipe nobody reads until the end, and
        # the workers would block on their own log.
        cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    statuses = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        deadline = time.monotonic() + SECONDS
        errors = []

        def visitor():
            browser = Browser(base, statuses)
            while time.monotonic() < deadline:
                browser.request(random.choice(["/", "/pristroy/", "/pristroy/?sort=price", "/pristroy/?q=item"]))
                browser.request(f"/pristroy/{random.choice(listings).id}")

        def moderator():
            browser = Browser(base, statuses)
            browser.login(admin.email, "secret123")
            while time.monotonic() < deadline:
                listing = random.choice(listings)
                token = browser.token("/admin/pristroy/")
                action = random.choice(["approve", "approve", "remove"]) if random.random() < 0.1 else "approve"
                browser.request(
                    "/admin/pristroy/action/", {"action": action, "rowid": str(listing.id), "csrf_token": token}
                )

        def seller(user):
            browser = Browser(base, statuses)
            browser.login(user.email, "secret123")
            mine = [x for x in listings if x.owner_id == user.id]
            while time.monotonic() < deadline:
                listing = random.choice(mine)
                code, page = browser.request("/account/pristroy/")
                version = re.search(
                    rf'action="/account/pristroy/{listing.id}/edit".*?name="version"[^>]*value="(\d+)"', page, re.S
                )
                if not version:
                    continue  # final: no edit form any more
                browser.request(
                    f"/account/pristroy/{listing.id}/edit",
                    {"csrf_token": csrf_from(page), "name": listing.name, "description": "Call me",
                     "price": str(random.randint(100, 999)), "quantity": "1", "version": version.group(1)},
                )  # fmt: skip

        def guard(fn, *args):
            try:
                fn(*args)
            except Exception as exc:  # reported below: a crashed actor is a failure
                errors.append(repr(exc))

        threads = [threading.Thread(target=guard, args=(visitor,)) for _ in range(4)]
        threads.append(threading.Thread(target=guard, args=(moderator,)))
        threads += [threading.Thread(target=guard, args=(seller, user)) for user in sellers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(SECONDS + 60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server_log.seek(0)
        output = server_log.read().decode(errors="replace")
        server_log.close()

    assert not errors, (errors[:3], output[-3000:])
    assert len(statuses) > 100, "the soak made too few requests to mean anything"
    assert not [s for s in statuses if s >= 500], output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    # The soak really raced: sellers' edits and the moderator's approvals both landed.
    assert ModerationEvent.select().where(ModerationEvent.action == "edit").count() > 0
    assert ModerationEvent.select().where(ModerationEvent.action == "approve").count() > 6
    # No lost update: a listing's version is bumped by each move, and each move is logged.
    for listing in Listing.select():
        events = ModerationEvent.select().where(ModerationEvent.listing == listing.id).count()
        assert listing.version == events, (listing.id, listing.version, events)
