"""A moderator's day in a real browser: a long-named listing in the Pristroy list, its edit page
and the moderation pages at 375 px, a spammer blocked and unblocked."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, log_in, no_sideways_scroll, post_form

pytestmark = pytest.mark.e2e

LONG_NAME = "Warm merino wool winter coat with a detachable hood, size M"


def _put_up(page, name):
    """The seller puts their one line up for sale (the form's own POST)."""
    page.goto("/account/orders/completed")
    form = page.locator("form[action*='/sell']").first
    response = post_form(page, form, name=name, quantity="1", description="Worn twice. Telegram @alice")
    assert response.ok, response.status


def test_a_moderators_day_fits_a_phone(new_page, own_customer):
    # A customer of its own: the demo accounts' lines belong to the story and the other tests.
    seller = own_customer("Merino coat")
    _put_up(seller, LONG_NAME)

    admin = log_in(new_page(), "admin", "admin12345")
    admin.on("dialog", lambda d: d.accept())
    admin.goto("/admin/pristroy/")
    row = admin.get_by_role("row").filter(has_text=LONG_NAME)
    expect(row).to_have_count(1)
    # The Name column keeps room for the phrase: not one word a line.
    name_cell = row.locator("td.col-name")
    line_height = name_cell.evaluate("td => parseFloat(getComputedStyle(td).lineHeight) || 24")
    assert name_cell.locator("a").evaluate("a => a.getBoundingClientRect().height") <= 3 * line_height
    expect(row.locator(".waiting-age")).to_be_visible()
    # Its row buttons are real buttons, in order.
    assert row.get_by_role("button").all_inner_texts()[:3] == ["Approve", "Decline", "Remove"]
    edit_url = row.get_by_role("link", name=LONG_NAME).get_attribute("href")

    admin.set_viewport_size(PHONE)
    try:
        for url in (edit_url, "/admin/reports/", "/admin/users/", "/admin/"):
            admin.goto(url)
            no_sideways_scroll(admin)
    finally:
        admin.set_viewport_size({"width": 1280, "height": 900})

    # Remove with a reason picked from the seeded templates: the reason box has the focus.
    admin.goto("/admin/pristroy/")
    row = admin.get_by_role("row").filter(has_text=LONG_NAME)
    row.get_by_role("button", name="Remove").click()
    expect(admin).to_have_url(re.compile(r"/admin/pristroy/remove/"))
    expect(admin.get_by_role("textbox", name="Reason")).to_be_focused()
    admin.get_by_label("Common reasons").select_option(label="Remove: spam")
    expect(admin.get_by_role("textbox", name="Reason")).to_have_value(re.compile("advertise other shops"))
    admin.get_by_role("button", name="Remove").click()
    expect(admin.get_by_text("Removed 1 listing.")).to_be_visible()

    seller.goto("/account/pristroy/")
    expect(seller.get_by_text(re.compile("advertise other shops"))).to_be_visible()

    # Block bob, then unblock him, from the user view.
    admin.goto("/admin/users/")
    admin.get_by_role("row").filter(has_text="bob@example.com").get_by_role(
        "link", name="Block from the flea market"
    ).click()
    expect(admin.get_by_role("textbox", name="Reason")).to_be_focused()
    admin.get_by_role("textbox", name="Reason").fill("Spam in the reviews")
    admin.get_by_role("button", name="Block from the flea market").click()
    expect(admin.get_by_text(re.compile(r"Blocked bob; 0 listings left the showcase\."))).to_be_visible()
    admin.get_by_role("row").filter(has_text="bob@example.com").get_by_role("button", name="Unblock").click()
    expect(admin.get_by_text(re.compile(r"Unblocked bob"))).to_be_visible()
