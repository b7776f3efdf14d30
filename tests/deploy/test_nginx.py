"""The production setup of deploy/, run for real: Debian's nginx in front of gunicorn on PostgreSQL and Redis.

nginx runs `deploy/nginx/flea-market.conf` with only its paths and port changed,
gunicorn runs `deploy/gunicorn.conf.py` (2 sync workers), everything on loopback.
A short story goes through nginx: pages, a photo upload, that photo refused to
others and sent to its owner by nginx (X-Accel-Redirect), cache headers, 200 slow
clients while a visitor still gets pages, and the client address the login limit
counts (TRUSTED_PROXIES=1).

Without nginx, PostgreSQL or Redis the module is skipped with the reason;
`NGINX_REQUIRED=1` (set by `.ci/run`) makes that a failure.
"""

import hashlib
import http.client
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import TEST_POSTGRES_URL, _postgres_problem, image_bytes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE_CONF = os.path.join(ROOT, "deploy", "nginx", "flea-market.conf")
GUNICORN_CONF = os.path.join(ROOT, "deploy", "gunicorn.conf.py")
NGINX = shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
OWN_PORTS = range(55430, 55460)


def _redis_problem():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure means: no Redis here
        return f"Redis not reachable at {REDIS_URL} ({exc.__class__.__name__})"
    return None


def _missing():
    if NGINX is None:
        return "nginx is not installed (apt-get install nginx)"
    return _postgres_problem() or _redis_problem()


@pytest.fixture(scope="module", autouse=True)
def _needs_nginx_postgres_redis():
    problem = _missing()
    if problem:
        if os.environ.get("NGINX_REQUIRED") == "1":
            pytest.fail(f"{problem}; NGINX_REQUIRED=1 makes this a failure")
        pytest.skip(f"{problem}; the production setup test needs nginx, PostgreSQL and Redis")


# ---------------------------------------------------------------- processes


def _free_port():
    for port in [*OWN_PORTS, 0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def _wait_for(check, what, timeout=30, process=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    detail = open(log, encoding="utf-8", errors="replace").read()[-3000:] if log and os.path.exists(log) else ""
    raise AssertionError(f"{what} did not start\n{detail}")


def _site_config(sock, static, uploads, access_log, port):
    """The shipped site with its paths and port replaced, each exactly where it is written."""
    with open(SITE_CONF, encoding="utf-8") as fh:
        text = fh.read()
    for shipped, here in (
        ("unix:/run/flea-market/gunicorn.sock", f"unix:{sock}"),
        ("/srv/flea-market/app/static/", f"{static}/"),
        ("/srv/flea-market/uploads/", f"{uploads}/"),
        ("/var/log/nginx/flea-market.access.log", access_log),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
    ):
        assert text.count(shipped) == 1, f"{shipped!r} should be in {SITE_CONF} once"
        text = text.replace(shipped, here)
    return text


def _main_config(tmp, site):
    """What Debian's /etc/nginx/nginx.conf gives a site, with every file of nginx's own in `tmp`."""
    # As root (CI), nginx's workers run as another user, like www-data in production: the
    # photos must be readable by the app's group (deploy/README.md), here root's.
    user = "user nobody root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp}/{kind}_temp;" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    gzip on;
{temp}
    include {site};
}}
"""


class Site:
    """What the tests talk to: nginx's address, the upload folder and the logs."""

    def __init__(self, tmp, port, uploads):
        self.tmp, self.port, self.uploads = tmp, port, uploads

    def log(self, name):
        with open(os.path.join(self.tmp, name), encoding="utf-8", errors="replace") as fh:
            return fh.read()


@pytest.fixture(scope="module")
def site():
    import psycopg2

    tmp = tempfile.mkdtemp(prefix="fm-nginx-")
    # Traversable by nginx's workers (another user when this runs as root).
    os.chmod(tmp, 0o750)
    uploads, instance = os.path.join(tmp, "uploads"), os.path.join(tmp, "instance")
    os.makedirs(uploads)
    os.chmod(uploads, 0o750)
    sock = os.path.join(tmp, "gunicorn.sock")
    port = _free_port()

    schema = f"nginx_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg2.connect(TEST_POSTGRES_URL, connect_timeout=3)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in TEST_POSTGRES_URL else "?"
    env = {
        **os.environ,
        "DATABASE_URL": f"{TEST_POSTGRES_URL}{sep}options=-c%20search_path%3D{schema}",
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_hex(32),
        "UPLOAD_DIR": uploads,
        "INSTANCE_PATH": instance,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TRUSTED_PROXIES": "1",
        "PHOTOS_ACCEL_PREFIX": "/_photos",
        "PROMETHEUS_MULTIPROC_DIR": os.path.join(tmp, "metrics"),
    }
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
    processes = []
    try:
        for command in (["init-db"], ["demo-data", "--listings", "40", "--seed", "1"]):
            done = subprocess.run(
                [sys.executable, "-m", "flask", "--app", "app", *command],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr

        gunicorn_log = os.path.join(tmp, "gunicorn.log")
        with open(gunicorn_log, "w") as log:
            gunicorn = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF]
                + ["--bind", f"unix:{sock}", "--workers", "2", "app:create_app()"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(gunicorn)
        _wait_for(lambda: os.path.exists(sock), "gunicorn", process=gunicorn, log=gunicorn_log)

        site_conf = os.path.join(tmp, "flea-market.conf")
        with open(site_conf, "w") as fh:
            fh.write(_site_config(sock, os.path.join(ROOT, "static"), uploads, os.path.join(tmp, "access.log"), port))
        main_conf = os.path.join(tmp, "nginx.conf")
        with open(main_conf, "w") as fh:
            fh.write(_main_config(tmp, site_conf))
        nginx_log = os.path.join(tmp, "nginx.out")
        with open(nginx_log, "w") as log:
            nginx = subprocess.Popen(
                [NGINX, "-p", tmp, "-c", main_conf, "-e", os.path.join(tmp, "error.log")],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(nginx)

        def answers():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/")
                return connection.getresponse().status == 200
            finally:
                connection.close()

        _wait_for(answers, "nginx in front of gunicorn", process=nginx, log=nginx_log)
        yield Site(tmp, port, uploads)
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with admin.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- a browser with an address of its own


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def random_loopback():
    """A loopback address of its own (127.0.0.0/8 all reach this machine): the login
    limits this test fills up are never the ones of an earlier run."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


class Browser:
    """Cookies, no redirects followed, connections from `source` (the client address nginx sees)."""

    def __init__(self, site, source=None):
        self.base = f"http://127.0.0.1:{site.port}"
        self.source = source or random_loopback()
        source_address = (self.source, 0)

        class FromSource(urllib.request.HTTPHandler):
            def http_open(self, req):
                return self.do_open(
                    lambda host, **kw: http.client.HTTPConnection(host, source_address=source_address, **kw), req
                )

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            FromSource, _NoRedirects, urllib.request.HTTPCookieProcessor(self.jar)
        )

    def request(self, method, path, data=None, headers=None, timeout=10):
        body, headers = data, dict(headers or {})
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as answer:
            with answer:
                return Response(answer.code, answer.headers, answer.read())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data, **kw):
        return self.request("POST", path, data=data, **kw)

    def login(self, identity, password, headers=None):
        token = csrf(self.get("/login", headers=headers).text)
        return self.post("/login", {"email": identity, "password": password, "csrf_token": token}, headers=headers)


def csrf(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def multipart(fields, files):
    boundary = secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def nginx_etag(site, url):
    """The ETag nginx gives the stored file of a /media/ address."""
    stat = os.stat(os.path.join(site.uploads, url.rsplit("/", 1)[1]))
    return f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'


PHOTO_RE = re.compile(r'src="(/media/[0-9a-f]{32}(?:\.thumb)?\.(?:jpg|png|webp))"')
ITEM_RE = re.compile(r'href="(/pristroy/\d+)"')


# ---------------------------------------------------------------- the story

_story = {}


def test_pages_come_through_nginx(site):
    visitor = Browser(site)
    for path in ("/", "/pristroy/"):
        page = visitor.get(path)
        assert page.status == 200, path
        assert page.headers["Server"] == "nginx"  # server_tokens off: no version
    items = ITEM_RE.findall(visitor.get("/pristroy/").text)
    assert items, "the demo showcase lists approved listings"
    item = visitor.get(items[0])
    assert item.status == 200 and "<h1" in item.text


def test_alice_puts_up_a_listing_with_a_photo(site):
    alice = Browser(site)
    assert alice.login("alice", "alice12345").status == 302
    page = alice.get("/account/orders/completed").text
    form = re.search(r'<form method="post" action="(/account/orders/lines/\d+/sell)".*?</form>', page, re.S)
    assert form, "alice has a completed order line to put up for sale"
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', form.group(0)).group(1)
    photo = image_bytes("JPEG", size=(1200, 900), color=(10, 120, 200))
    fields = {"csrf_token": csrf(page), "form_token": token, "name": "Scarf through nginx"}
    fields.update(description="Worn once. Telegram @alice", price="700", quantity="1")
    body, content_type = multipart(fields, {"photo": ("scarf.jpg", photo, "image/jpeg")})
    answer = alice.post(form.group(1), body, headers={"Content-Type": content_type})
    assert answer.status == 302, answer.text[:2000]
    mine = alice.get("/account/pristroy/").text
    thumb = PHOTO_RE.search(mine.split("Scarf through nginx")[0].rsplit('class="list-group-item', 1)[-1])
    assert thumb, "the new listing shows its photo on My items"
    webp = re.search(r'srcset="(/media/[0-9a-f]{32}\.w240\.webp) 240w', mine)
    assert webp, "My items offers the photo's WebP copy"
    _story.update(alice=alice, thumb=thumb.group(1), photo=thumb.group(1).replace(".thumb.", "."), webp=webp.group(1))


def test_the_photo_on_moderation_is_refused_to_others_and_sent_to_alice_by_nginx(site):
    if "alice" not in _story:
        pytest.skip("needs the listing of the test before")
    for url in (_story["photo"], _story["thumb"], _story["webp"]):
        assert Browser(site).get(url).status == 404  # a visitor
        bob = Browser(site)
        assert bob.login("bob", "bob12345").status == 302
        assert bob.get(url).status == 404
        # X-Accel's internal location can't be asked for from outside.
        assert Browser(site).get("/_photos/" + url.rsplit("/", 1)[1]).status == 404

        answer = _story["alice"].get(url)
        assert answer.status == 200
        with open(os.path.join(site.uploads, url.rsplit("/", 1)[1]), "rb") as fh:
            stored = fh.read()
        assert hashlib.sha256(answer.body).digest() == hashlib.sha256(stored).digest()
        assert answer.headers["Content-Type"] == ("image/webp" if url.endswith(".webp") else "image/jpeg")
        assert answer.headers["Cache-Control"] == "private, no-store"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        # nginx sent it from the file: the redirect stays inside, and the ETag is the
        # one nginx's static module makes (mtime-size in hex; Werkzeug's is a hash).
        assert "X-Accel-Redirect" not in answer.headers
        assert answer.headers["ETag"] == nginx_etag(site, url)
        part = _story["alice"].get(url, headers={"Range": "bytes=0-99"})
        assert part.status == 206 and part.body == stored[:100]


def test_a_public_photo_and_a_static_file_come_with_long_cache_headers(site):
    visitor = Browser(site)
    photos = PHOTO_RE.findall(visitor.get("/").text)
    assert photos, "the demo home page shows product photos"
    photo = visitor.get(photos[0])
    with open(os.path.join(site.uploads, photos[0].rsplit("/", 1)[1]), "rb") as fh:
        assert photo.status == 200 and photo.body == fh.read()
    assert photo.headers["Cache-Control"] == "public, max-age=86400"
    assert photo.headers["ETag"] == nginx_etag(site, photos[0]) and "X-Accel-Redirect" not in photo.headers
    # Static addresses carry no version: an hour, like the app's SEND_FILE_MAX_AGE_DEFAULT,
    # then revalidated. nginx answers them itself: the app's page headers (CSP) are not there.
    css = visitor.get("/static/css/app.css")
    assert css.status == 200 and css.headers["Cache-Control"] == "max-age=3600" and css.headers["Expires"]
    assert "Content-Security-Policy" not in css.headers and "Content-Security-Policy" in visitor.get("/").headers
    again = visitor.get("/static/css/app.css", headers={"If-None-Match": css.headers["ETag"]})
    assert again.status == 304
    # The layout's addresses carry the file's hash (static_url): those are kept for good.
    versioned = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', visitor.get("/").text).group(1)
    kept = visitor.get(versioned)
    assert kept.status == 200 and kept.headers["Cache-Control"] == "max-age=315360000"


def _slow_clients(site, count, stop):
    """`count` connections that trickle a byte at a time: half their headers, half a form body."""
    sockets = []
    for n in range(count):
        conn = socket.create_connection(("127.0.0.1", site.port), timeout=5)
        if n % 2:
            trickle = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nX-Padding: " + b"a" * 400
        else:
            head = b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            conn.sendall(head + b"Content-Length: 100000\r\n\r\n")
            trickle = b"email=x&password=" + b"y" * 1000
        sockets.append([conn, trickle, 0])
    sent = 0
    while not stop.is_set():
        for entry in sockets:
            conn, trickle, position = entry
            conn.sendall(trickle[position : position + 1])
            entry[2] = (position + 1) % len(trickle)
            sent += 1
        stop.wait(0.5)
    for conn, _trickle, _position in sockets:
        conn.close()
    return sent


def test_200_slow_clients_do_not_keep_a_visitor_waiting(site):
    stop, result = threading.Event(), {}

    def attack():
        try:
            result["sent"] = _slow_clients(site, 200, stop)
        except Exception as exc:  # reported below
            result["error"] = exc

    attacker = threading.Thread(target=attack)
    attacker.start()
    try:
        time.sleep(1.5)  # every slow client connected and trickling
        visitor = Browser(site)
        items = ITEM_RE.findall(visitor.get("/pristroy/").text)
        timings = []
        for path in ["/", "/pristroy/", items[0], "/login"] * 3:
            started = time.monotonic()
            page = visitor.get(path, timeout=5)
            timings.append(time.monotonic() - started)
            assert page.status == 200, path
        assert max(timings) < 1.0, timings
    finally:
        stop.set()
        attacker.join(timeout=30)
    # The slow clients were all still connected and sending when it ended.
    assert "error" not in result, result.get("error")
    assert result["sent"] >= 200 * 3


def test_the_login_limit_counts_the_real_client_not_a_forwarded_for_it_sends(site):
    """LOGIN_LIMIT_PER_ACCOUNT is 10 per 10 minutes per account and address."""
    identity = f"nobody-{secrets.token_hex(4)}@example.com"
    attacker = Browser(site)
    codes = []
    for n in range(11):
        # A made-up X-Forwarded-For each time: nginx appends the real address, TRUSTED_PROXIES=1
        # believes only that last hop, so all eleven count against the one attacker.
        spoof = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
        codes.append(attacker.login(identity, "wrong", headers=spoof).status)
    assert codes == [200] * 10 + [429]
    # Another client (another real address) behind the same nginx is not locked out:
    # the app sees the address nginx forwards, not nginx's own.
    assert Browser(site).login(identity, "wrong").status == 200
    assert attacker.login(identity, "wrong").status == 429


def test_a_request_over_the_apps_size_limit_is_refused_by_nginx(site):
    with socket.create_connection(("127.0.0.1", site.port), timeout=5) as conn:
        head = "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        conn.sendall(f"{head}Content-Length: {12 * 1024 * 1024 + 1}\r\n\r\n".encode())
        answer = conn.recv(4096).decode(errors="replace")
    # Before a byte of the body is read, and without a worker: nginx's own page.
    assert answer.startswith("HTTP/1.1 413") and "<center>nginx</center>" in answer


def test_nginx_and_the_app_name_a_request_by_the_same_id(site):
    page = Browser(site).get("/pristroy/")
    request_id = page.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), "the app kept nginx's $request_id"

    def logged():
        # nginx writes its line once the answer is sent: it may come a moment after the client has it.
        with open(os.path.join(site.tmp, "access.log")) as log:
            return any(f"rid={request_id}" in line and "/pristroy/" in line for line in log)

    deadline = time.monotonic() + 5
    while not logged() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert logged()
