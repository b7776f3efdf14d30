"""The anonymous 404 is served from one copy per language, filled in per request: the
visitor's own request id and the address its language links return to."""

import re


def _language_links(html):
    return re.findall(r'href="(/language/[^"]*)"', html)


def test_each_visitor_gets_their_own_reference_and_address(client):
    first = client.get("/no/such/page")
    second = client.get("/another/missing?q=a&b=<x>")
    for response in (first, second):
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)
    first_html, second_html = first.get_data(as_text=True), second.get_data(as_text=True)
    assert f"<samp>{first.headers['X-Request-ID']}</samp>" in first_html
    assert f"<samp>{second.headers['X-Request-ID']}</samp>" in second_html
    assert first.headers["X-Request-ID"] not in second_html
    assert _language_links(first_html) == ["/language/en?next=/no/such/page", "/language/ru?next=/no/such/page"]
    # Escaped and encoded as url_for would: the query can neither break out nor leak raw.
    assert _language_links(second_html)[0] == "/language/en?next=/another/missing?q%3Da%26b%3D%3Cx%3E"
    assert "<x>" not in second_html


def test_the_copy_is_per_language(client):
    english = client.get("/missing", headers={"Accept-Language": "en"})
    russian = client.get("/missing", headers={"Accept-Language": "ru"})
    again = client.get("/missing", headers={"Accept-Language": "en"})
    assert "Page not found" in english.get_data(as_text=True)
    assert "Страница не найдена" in russian.get_data(as_text=True)
    assert again.get_data(as_text=True).replace(again.headers["X-Request-ID"], "") == english.get_data(
        as_text=True
    ).replace(english.headers["X-Request-ID"], "")


def test_a_logged_in_user_gets_the_page_rendered_for_them(client, login_as, make_user):
    client.get("/no/such/page")  # the anonymous copy exists
    login_as(make_user(username="carol"))
    html = client.get("/no/such/page").get_data(as_text=True)
    assert "Log out" in html and "carol" in html
