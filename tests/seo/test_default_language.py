"""A store sets its language (`BABEL_DEFAULT_LOCALE`); every HTML page says which language it is in."""

import re

import pytest

from tests.public.helpers import text_of

from .helpers import page_of


@pytest.fixture
def app_config(app_config, monkeypatch):
    # As an operator sets it: in the environment, not in create_app's config.
    monkeypatch.setenv("BABEL_DEFAULT_LOCALE", "ru")
    return app_config


def _lang(page):
    return re.search(r'<html lang="([^"]+)">', page).group(1)


def test_a_visitor_without_a_preference_gets_the_store_language(client):
    response = client.get("/pristroy/")  # the test client sends no Accept-Language and no cookie
    page = page_of(response)
    assert _lang(page) == "ru"
    assert response.headers["Content-Language"] == "ru"
    assert "Барахолка" in text_of(response) and "Найти" in text_of(response)
    assert "Flea market" not in text_of(response)


def test_the_cached_copy_says_its_language_too(client):
    first = client.get("/pristroy/")
    second = client.get("/pristroy/")
    assert second.headers["X-Cache"] == "hit"
    assert first.headers["Content-Language"] == second.headers["Content-Language"] == "ru"
    assert _lang(page_of(second)) == "ru"


def test_the_browser_language_and_the_choice_still_win(client):
    english = client.get("/pristroy/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert _lang(page_of(english)) == "en" and english.headers["Content-Language"] == "en"
    assert "Flea market" in text_of(english)
    # Then the store's language again for a visitor without one: not the cached English copy.
    again = client.get("/pristroy/")
    assert _lang(page_of(again)) == "ru" and again.headers["Content-Language"] == "ru"
    client.get("/language/en?next=/pristroy/")
    chosen = client.get("/pristroy/")
    assert _lang(page_of(chosen)) == "en" and chosen.headers["Content-Language"] == "en"


def test_only_html_pages_carry_content_language(client):
    assert "Content-Language" not in client.get("/robots.txt").headers
    assert "Content-Language" not in client.get("/api/v1/listings").headers
    assert client.get("/pristroy/999999").headers["Content-Language"] == "ru"  # the 404 page is Russian too


def test_an_unknown_store_language_stops_the_start(app_config, monkeypatch):
    from app import create_app

    monkeypatch.setenv("BABEL_DEFAULT_LOCALE", "de")
    with pytest.raises(ValueError, match="BABEL_DEFAULT_LOCALE='de' is not one of the languages"):
        create_app(app_config)
