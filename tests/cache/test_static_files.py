"""Static files: gzipped for clients that take it, kept for a year at their versioned address."""

import gzip
import re

import pytest


def _get(client, url, **kw):
    """A GET whose file is read and closed (send_file keeps the file open until then)."""
    response = client.get(url, **kw)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def css_url(client):
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', html).group(1)


def test_a_versioned_file_is_kept_for_a_year(client, css_url):
    response = _get(client, css_url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_old_or_missing_version_gets_the_short_lifetime(client, css_url):
    response = _get(client, css_url.split("?")[0] + "?v=0000000000")
    assert "immutable" not in response.headers.get("Cache-Control", "")
    assert "immutable" not in _get(client, "/static/css/app.css").headers.get("Cache-Control", "")


def test_text_goes_gzipped_to_clients_that_take_it_and_plain_to_others(client, css_url):
    plain = _get(client, css_url)
    zipped = client.get(css_url, headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Content-Type"].startswith("text/css")
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    again = client.get(css_url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304


def test_no_file_outside_static(client):
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404
    assert client.get("/static/nope.css", headers={"Accept-Encoding": "gzip"}).status_code == 404


def test_favicon_where_browsers_look(client):
    # Browsers ask /favicon.ico whatever the page says; a 404 there is a console error.
    response = _get(client, "/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/pristroy/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=[0-9a-f]+"', page)


def test_admin_files_gzipped_and_bootstrap_loaded_once(client, make_user, login_as):
    login_as(make_user("admin", admin=True))
    page = client.get("/admin/pristroy/").get_data(as_text=True)
    assert page.count("bootstrap.min.css") == 1
    css = re.search(r'href="(/admin/static/[^"]*bootstrap\.min\.css[^"]*)"', page).group(1)
    plain = _get(client, css.replace("&amp;", "&"))
    zipped = _get(client, css.replace("&amp;", "&"), headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.data) < len(plain.data) / 4
    assert gzip.decompress(zipped.data) == plain.data
    # No script on the list page holds up its first paint.
    assert re.findall(r"<script(?![^>]*\bdefer\b)[^>]*\bsrc=", page) == []
