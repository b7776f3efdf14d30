"""Pages built for one visitor go out gzipped to a browser that takes it, once encoded."""

import gzip


def test_a_logged_in_page_is_gzipped_for_a_browser(client, make_user, login_as):
    login_as(make_user("alice"))
    plain = client.get("/account/orders/")
    zipped = client.get("/account/orders/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    html = gzip.decompress(zipped.data).decode()
    assert "<html" in html and len(zipped.data) < len(html) / 2
    assert "private, no-store" in zipped.headers["Cache-Control"]


def test_an_anonymous_cached_page_is_encoded_once(client):
    for _ in range(2):  # a miss, then a hit from the page cache
        response = client.get("/pristroy/", headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data).lstrip().startswith(b"<!doctype html>")


def test_small_answers_stay_plain(client):
    health = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(health.data) < 1024
    assert "Content-Encoding" not in health.headers
