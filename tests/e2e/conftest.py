"""End-to-end fixtures: the real app in its own process, headless Chromium, screenshots, axe-core.

The app is started once per session as `python app.py` (a fresh SQLite database,
upload folder and instance folder in a temporary directory, the demo data, a
free loopback port) and stopped at the end by killing its process group.

Without Playwright, Chromium or axe-core (`npm ci` installs it) the suite is
skipped with the reason; with `E2E_REQUIRED=1` (set by `.ci/run`) it fails instead.
"""

import datetime as dt
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
TIMEOUT_MS = 10_000


def _required():
    return os.environ.get("E2E_REQUIRED") == "1"


def _unavailable(reason):
    """Skip (or fail, when E2E_REQUIRED=1) because something the suite needs is missing."""
    if _required():
        pytest.fail(f"{reason}; E2E_REQUIRED=1 makes this a failure", pytrace=False)
    pytest.skip(f"{reason}; the browser suite needs it (see README, 'Tests')")


# ---------------------------------------------------------------- the app


# Werkzeug's startup line names the port it bound (the app is started with PORT=0, so the
# kernel picks a free one and no other process can take it between choosing and binding).
RUNNING_ON = re.compile(rb"Running on http://127\.0\.0\.1:(\d+)")


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(proc):
    """Stop the server and everything it started (its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
    else:
        proc.wait()


# The live app's environment, for commands run against its database (`live_cli`).
_live = {}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The base URL of `python app.py` serving a fresh database with the demo data."""
    base = tmp_path_factory.mktemp("e2e-app")
    env = dict(os.environ)
    env.update(
        HOST="127.0.0.1",
        PORT="0",
        DATABASE_URL=f"sqlite:///{base / 'app.db'}",
        UPLOAD_DIR=str(base / "uploads"),
        INSTANCE_PATH=str(base / "instance"),
        SECRET_KEY=secrets.token_hex(32),
        PYTHONUNBUFFERED="1",
    )
    for key in ("MAIL_SERVER", "REDIS_URL", "FLASK_DEBUG"):
        env.pop(key, None)
    _live["env"] = env
    log_path = base / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None or not _answers(url + "/login"):
            if url is None and (found := RUNNING_ON.search(log_path.read_bytes())):
                url = f"http://127.0.0.1:{int(found.group(1))}"
            if proc.poll() is not None:
                pytest.fail(f"the app exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer within 60 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        _stop(proc)
    errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line or '" 500 ' in line]
    assert not errors, "the server logged errors:\n" + log_path.read_text()[-5000:]


@pytest.fixture(scope="session")
def live_cli(live_server):
    """live_cli(*args): run `flask --app app ARGS` on the live app's database; its standard output."""

    def _run(*args):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=_live["env"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    return _run


@pytest.fixture
def own_customer(new_page, live_cli):
    """own_customer(product): a new customer with one completed order of one unit of `product`,
    pushed through the store connector's API and signed in by its one-time link. A test that
    sells from it takes none of the demo accounts' lines, which other browser tests count on."""

    def _make(product, price="1200.00"):
        page = new_page()
        tag = secrets.token_hex(4)
        key = live_cli("api-keys", "create", f"e2e-{tag}").strip().splitlines()[-1]
        headers = {"Authorization": f"Bearer {key}"}
        now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)

        def put(path, body):
            response = page.request.put(f"/api/v1/{path}", data=body, headers=headers)
            assert response.ok, (path, response.status, response.text())

        put(f"customers/c-{tag}", {"email": f"seller-{tag}@example.com", "login": f"seller{tag}"})
        put(f"products/p-{tag}", {"name": product, "price": price})
        put(
            f"orders/o-{tag}",
            {
                "customer": f"c-{tag}",
                "number": f"E-{tag}",
                "status": "completed",
                "placed_at": (now - dt.timedelta(days=9)).isoformat() + "Z",
                "completed_at": (now - dt.timedelta(days=3)).isoformat() + "Z",
                "lines": [{"external_id": f"l-{tag}", "product": f"p-{tag}", "quantity": 1, "price": price}],
            },
        )
        link = page.request.post(
            f"/api/v1/customers/c-{tag}/login-link", data={"next": "/account/orders/completed"}, headers=headers
        )
        assert link.ok, link.text()
        page.goto(re.sub(r"^https?://[^/]+", "", link.json()["url"]))
        page.wait_for_load_state()
        page.locator("details.user-menu > summary").wait_for(timeout=5000)
        return page

    return _make


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    chromium = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (separate cookies: one per person), closed afterwards."""
    contexts = []

    def _new_page():
        # bypass_csp: the site allows only its own scripts; axe-core is injected inline by the tests.
        context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-US", bypass_csp=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        return page

    page_errors = []
    yield _new_page
    for context in contexts:
        context.close()
    assert not page_errors, f"JavaScript errors on the pages: {page_errors}"


def post_form(page, form, **changes):
    """POST a form of the page as its submit would (its text fields, CSRF token included),
    with `changes` over them, without the browser's own navigation; the response."""
    fields = form.evaluate("f => Object.fromEntries([...new FormData(f)].filter(([k, v]) => typeof v === 'string'))")
    fields.update(changes)
    return page.request.post(form.get_attribute("action"), multipart=fields)


def log_in(page, identity, password):
    """Log in through the form, by its visible labels."""
    page.goto("/login")
    page.get_by_label("Email or login").fill(identity)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    from playwright.sync_api import expect

    expect(page.locator("details.user-menu > summary")).to_be_visible()
    return page


def menu_link(page, name):
    """A link of the header's user menu (a <details>), opened first as a user would."""
    menu = page.locator("details.user-menu")
    if not menu.evaluate("d => d.open"):
        menu.locator("summary").click()
    return menu.get_by_role("link", name=re.compile("^" + re.escape(name) + r"\b"))


def log_out(page):
    menu = page.locator("details.user-menu")
    if not menu.evaluate("d => d.open"):
        menu.locator("summary").click()
    menu.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


# ---------------------------------------------------------------- screenshots and layout


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    folder = os.environ.get("E2E_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def no_sideways_scroll(page):
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, "
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')]"
    )
    scroll, client, culprits = widths
    assert scroll <= client, f"{page.url} scrolls sideways at {client} px: {scroll} px wide ({culprits})"


@pytest.fixture(scope="session")
def shoot(screenshot_dir):
    """shoot(page, name): full-page PNGs at 1280 and 375 px; at 375 px nothing may scroll sideways."""
    counter = {"n": 0}

    def _shoot(page, name):
        counter["n"] += 1
        stem = f"{counter['n']:02d}-{name}"
        page.screenshot(path=str(screenshot_dir / f"{stem}-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        try:
            # Open modals are re-laid out at the new width; give Bootstrap's transition a moment.
            page.wait_for_timeout(50)
            no_sideways_scroll(page)
            page.screenshot(path=str(screenshot_dir / f"{stem}-375.png"), full_page=True)
        finally:
            page.set_viewport_size(DESKTOP)

    return _shoot


# ---------------------------------------------------------------- accessibility


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_JS.is_file():
        _unavailable(f"axe-core is not installed ({AXE_JS} missing: run `npm ci`)")
    return AXE_JS.read_text()


class Axe:
    """Runs axe-core on pages and collects the serious and critical violations.

    The collection is soft, so that a story goes on past a contrast problem and
    the report lists every page; `assert_clean()` at the end of a test fails it.
    """

    def __init__(self, source):
        self.source = source
        self.pages = []
        self.problems = []

    def check(self, page, name, disable=(), exclude=(), why=""):
        """Check the page as it is now.

        For third-party screens only: `disable` rules or `exclude` CSS selectors (parts of the
        page not ours), with `why`.
        """
        if disable or exclude:
            assert why, "say why a rule is disabled or a part of the page left out"
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=self.source)
        options = {"resultTypes": ["violations"]}
        if disable:
            options["rules"] = {rule: {"enabled": False} for rule in disable}
        context = {"exclude": [[selector] for selector in exclude]} if exclude else None
        result = page.evaluate(
            "async ([context, options]) => await axe.run(context || document, options)", [context, options]
        )
        self.pages.append(name)
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                nodes = "\n".join(f"      {' '.join(n['target'])}: {n['html'][:160]}" for n in v["nodes"][:6])
                more = f"\n      ... and {len(v['nodes']) - 6} more" if len(v["nodes"]) > 6 else ""
                self.problems.append(f"{name} ({page.url}): {v['id']} ({v['impact']}): {v['help']}\n{nodes}{more}")
        return result

    def assert_clean(self):
        assert not self.problems, (
            f"axe-core found serious or critical violations on {len(self.problems)} of {len(self.pages)} checks:\n"
            + "\n".join(self.problems)
        )


@pytest.fixture
def axe(axe_source):
    return Axe(axe_source)


@pytest.fixture(scope="session")
def photo_file(tmp_path_factory):
    """A small real JPEG to attach, with a GPS-free camera-like look."""
    from PIL import Image, ImageDraw

    path = tmp_path_factory.mktemp("photos") / "scarf.jpg"
    img = Image.new("RGB", (900, 600), (120, 120, 130))
    draw = ImageDraw.Draw(img)
    draw.rectangle((150, 200, 750, 400), fill=(200, 60, 60))
    img.save(path, "JPEG", quality=85)
    return path


@pytest.fixture
def look(shoot, axe):
    """look(page, name): screenshots at both widths (no sideways scroll at 375 px) and an axe-core check."""

    def _look(page, name, **axe_options):
        shoot(page, name)
        axe.check(page, name, **axe_options)

    return _look


UNLABELLED_JS = """
() => {
  const ids = {};
  document.querySelectorAll('[id]').forEach(e => { ids[e.id] = (ids[e.id] || 0) + 1; });
  const out = [];
  document.querySelectorAll('input, textarea, select').forEach(el => {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) return;
    const form = el.form ? (el.form.closest('[role=dialog]') || el.form) : null;
    const where = form && form.getAttribute('aria-labelledby')
      ? (document.getElementById(form.getAttribute('aria-labelledby')) || {}).textContent
      : (el.form ? 'form ' + el.form.getAttribute('action') : 'page');
    const labelled = el.labels.length > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
      || el.closest('label');
    if (!labelled) {
      const dup = el.id && ids[el.id] > 1 ? ` (its id "${el.id}" is used ${ids[el.id]} times on the page, so`
        + ` <label for="${el.id}"> points to another form's field)` : '';
      out.push(`${el.tagName.toLowerCase()}[name=${el.name}] in ${(where || '').trim()}${dup}`);
    }
  });
  return out;
}
"""


def assert_fields_labelled(page):
    """Every form field on the page (modals included) has its own label."""
    missing = page.evaluate(UNLABELLED_JS)
    assert not missing, f"fields without a label of their own on {page.url}:\n  " + "\n  ".join(missing)


def modal_ready(dialog):
    """Wait until a Bootstrap modal has finished opening (visible, shown, focus moved into it)."""
    from playwright.sync_api import expect

    expect(dialog).to_be_visible()
    expect(dialog).to_have_class(re.compile(r"\bshow\b"))
    dialog.page.wait_for_function("() => !!document.activeElement.closest('[role=dialog].show')")
    return dialog
