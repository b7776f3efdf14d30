"""Every account door of the app as shipped: register, welcome mail, forgot password, change password.

The app runs as `python app.py` with no mail server, so every mail must land in
`<INSTANCE_PATH>/outbox/` as an .eml file; a mail that tried SMTP instead shows
up here as a 500.
"""

import email
import email.policy
import html
import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.shipped

MAIL_WAIT = 10  # seconds: mail may be sent by a background worker a moment after the request


class Browser:
    """A cookie-keeping HTTP client that refuses any 5xx answer."""

    def __init__(self, base, log_path):
        self.base, self.log_path = base, log_path
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _open(self, request):
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as exc:
            response = exc
        body = response.read().decode("utf-8", "replace")
        status = response.status if hasattr(response, "status") else response.code
        assert status < 500, f"{request.get_method()} {request.full_url} answered {status}\n{self._log_tail()}"
        return status, response.geturl(), response.headers, body

    def _log_tail(self):
        return self.log_path.read_text(errors="replace")[-3000:]

    def get(self, path):
        return self._open(urllib.request.Request(self._url(path)))

    def post(self, path, data):
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self._url(path), data=body, method="POST"))

    def submit(self, path, fields):
        """GET a page, then POST its form back with its CSRF token and `fields`."""
        status, url, _, page = self.get(path)
        assert status == 200, (path, status)
        return self.post(url, {"csrf_token": csrf_from(page), **fields})

    def _url(self, path):
        return path if path.startswith("http") else self.base + path


def csrf_from(page):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, "no CSRF token on the page"
    return html.unescape(match.group(1))


def wait_for_mail(outbox, recipient, subject_word, seen):
    """The first new .eml to `recipient` whose subject has `subject_word`, polled for MAIL_WAIT s."""
    deadline = time.monotonic() + MAIL_WAIT
    while True:
        for path in sorted(outbox.glob("*.eml")) if outbox.is_dir() else []:
            if path.name in seen:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if recipient in message["To"] and subject_word.lower() in message["Subject"].lower():
                seen.add(path.name)
                return message
        if time.monotonic() > deadline:
            names = sorted(p.name for p in outbox.glob("*.eml")) if outbox.is_dir() else []
            raise AssertionError(f"no mail '{subject_word}' to {recipient} in {outbox} within {MAIL_WAIT} s: {names}")
        time.sleep(0.2)


def text_of(message):
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content()


def logged_in_as(browser, login):
    page = browser.get("/")[3]
    return f">{login}<" in page and "Log out" in page


def log_out(browser):
    status = browser.post("/logout", {"csrf_token": csrf_from(browser.get("/")[3])})[0]
    assert status == 200 and not logged_in_as(browser, "dora")


def test_register_forgot_reset_change_as_shipped(shipped_app):
    base, instance, log_path = shipped_app
    outbox, seen = instance / "outbox", set()
    browser = Browser(base, log_path)

    # Register: logged in at once, and the welcome mail goes to the outbox.
    status, url, _, _ = browser.submit(
        "/register",
        {
            "email": "dora@example.com",
            "username": "dora",
            "password": "first passphrase 41",
            "password_confirm": "first passphrase 41",
        },
    )
    assert status == 200 and not url.endswith("/register")
    assert logged_in_as(browser, "dora")
    wait_for_mail(outbox, "dora@example.com", "welcome", seen)
    log_out(browser)

    # Forgot password: the login page links to it, the mail carries the reset link.
    login_page = browser.get("/login")[3]
    assert 'href="/reset"' in login_page and "Forgot password?" in login_page
    status, _, headers, _ = browser.get("/reset")
    assert status == 200 and headers["Cache-Control"] == "private, no-store"
    assert browser.submit("/reset", {"email": "dora@example.com"})[0] == 200
    instructions = text_of(wait_for_mail(outbox, "dora@example.com", "reset", seen))
    link = re.search(r"https?://\S+/reset/[\w.-]+", instructions)
    assert link, instructions
    status, _, _, page = browser.submit(
        link.group(0), {"password": "second passphrase 52", "password_confirm": "second passphrase 52"}
    )
    assert status == 200 and 'name="reset_password_form"' not in page
    wait_for_mail(outbox, "dora@example.com", "reset", seen)  # the notice that it was reset

    # Log in with the new password (the old one no longer works).
    assert not logged_in_as(browser, "dora")
    browser.submit("/login", {"email": "dora", "password": "first passphrase 41"})
    assert not logged_in_as(browser, "dora")
    browser.submit("/login", {"email": "dora", "password": "second passphrase 52"})
    assert logged_in_as(browser, "dora")

    # Change the password from the header's link; the "password changed" mail arrives the same way.
    assert 'href="/change"' in browser.get("/")[3]
    status, _, _, page = browser.submit(
        "/change",
        {
            "password": "second passphrase 52",
            "new_password": "third passphrase 63",
            "new_password_confirm": "third passphrase 63",
        },
    )
    assert status == 200 and 'name="change_password_form"' not in page
    wait_for_mail(outbox, "dora@example.com", "changed", seen)
    log_out(browser)
    browser.submit("/login", {"email": "dora@example.com", "password": "third passphrase 63"})
    assert logged_in_as(browser, "dora")
