"""Add to favourites on a showcase card toggles in place (no reload), and the listing is then
on /account/favourites.

alice puts up her running shoes (a line no other browser test sells) and the admin approves
them, so the showcase has a card whatever ran before.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in, post_form

pytestmark = pytest.mark.e2e

NAME = "Running shoes Stride 2, barely worn"


def _approved_listing(new_page):
    seller = log_in(new_page(), "alice", "alice12345")
    seller.goto("/account/orders/completed")
    modal = seller.locator(".sell-modal").filter(has_text="Put up for sale: Running shoes Stride 2")
    form = modal.locator("form[action*='/sell']")
    assert post_form(seller, form, name=NAME, quantity="1", description="Worn twice. Telegram @alice").ok

    admin = log_in(new_page(), "admin", "admin12345")
    admin.on("dialog", lambda d: d.accept())
    admin.goto("/admin/pristroy/")
    admin.get_by_role("row").filter(has_text=NAME).get_by_role("button", name="Approve").click()
    admin.wait_for_load_state()


def test_a_card_toggles_without_a_reload_and_lands_on_the_favourites_page(new_page, look):
    _approved_listing(new_page)
    page = log_in(new_page(), "bob@example.com", "bob12345")
    page.goto("/pristroy/")
    card = page.locator(".listing-card").filter(has=page.get_by_role("link", name=NAME, exact=True))
    page.evaluate("window.notReloaded = true")  # a reload would forget this

    card.get_by_role("button", name="Add to favourites").click()
    expect(card.get_by_role("button", name="Remove from favourites")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_url(re.compile(r"/pristroy/$"))
    look(page, "showcase-favourite-saved")

    page.goto("/account/favourites")
    expect(page.get_by_role("link", name=NAME, exact=True)).to_be_visible()
    look(page, "favourites")

    # And off again on the card, still without a reload.
    page.goto("/pristroy/")
    page.evaluate("window.notReloaded = true")
    card.get_by_role("button", name="Remove from favourites").click()
    expect(card.get_by_role("button", name="Add to favourites")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.notReloaded") is True
    page.goto("/account/favourites")
    expect(page.get_by_text("Nothing saved yet.")).to_be_visible()
