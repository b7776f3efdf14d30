"""The language switch in a real browser: a visitor's links (a cookie, no session) and a
logged-in user's form (with its CSRF token), each coming back to the page it was on."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_a_visitor_switches_language_without_getting_a_session(new_page):
    page = new_page()
    page.goto("/pristroy/?sort=price")
    switch = page.locator(".language-switch")
    switch.get_by_role("link", name="RU Русский").click()
    expect(page).to_have_url(re.compile(r"/pristroy/\?sort=price$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("link", name="Войти")).to_be_visible()
    names = {c["name"] for c in page.context.cookies()}
    assert "lang" in names and "session" not in names
    page.locator(".language-switch").get_by_role("link", name="EN English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "session" not in {c["name"] for c in page.context.cookies()}


def test_a_logged_in_user_switches_with_the_form(new_page):
    page = log_in(new_page(), "bob", "bob12345")
    page.goto("/account/orders/")
    page.locator(".language-switch").get_by_role("button", name="RU Русский").click()
    expect(page).to_have_url(re.compile(r"/account/orders/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator(".language-switch").get_by_role("button", name="EN English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
