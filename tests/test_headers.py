"""Security headers and cookie flags on what a browser receives."""

from tests.conftest import login


def test_every_page_has_a_strict_policy(client):
    for url in ("/", "/login", "/pristroy/", "/does-not-exist"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_our_templates_have_no_inline_script(client):
    import re

    for url in ("/", "/login", "/register", "/pristroy/"):
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"\son[a-z]+=", page), url


def test_session_cookie_flags(client, make_user):
    make_user(username="carol")
    response = login(client, "carol", "secret123")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_outside_development(tmp_path):
    from app import create_app

    def app_for(url):
        return create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "SECRET_KEY": "x",
                "INSTANCE_PATH": str(tmp_path),
                "PUBLIC_URL": url,
            }
        )

    assert app_for("https://shop.example.com").config["SESSION_COOKIE_SECURE"] is True
    assert app_for("http://127.0.0.1:5000").config["SESSION_COOKIE_SECURE"] is False


def test_admin_pages_run_under_the_policy(client, login_as, make_user):
    import re

    login_as(make_user(username="boss", admin=True))
    for url in ("/admin/", "/admin/pristroy/", "/admin/decline-reasons/new/", "/admin/moderation-log/"):
        response = client.get(url)
        assert response.status_code == 200, url
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        page = response.get_data(as_text=True)
        # Flask-Admin's script tags carry this request's nonce; none runs inline without it.
        assert f'nonce="{nonce}"' in page, url
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page):
            assert f'nonce="{nonce}"' in attrs, url
