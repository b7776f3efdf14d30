"""The flea market's whole story in a real browser, by visible labels and roles.

alice resells the grey wool scarf (3 bought) from a completed order; the admin
moderates it; a visitor finds it; bob asks a question and alice answers; edits,
a decline with a reason, approval again, and finally "Product was sold".
Every step asserts what a person would see, so a broken page fails it.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_fields_labelled, log_in, log_out, modal_ready

pytestmark = pytest.mark.e2e

PRODUCT = "Wool scarf, grey"


def open_completed_orders(page):
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    page.get_by_role("link", name="Completed orders").click()
    expect(page).to_have_url(re.compile(r"/account/orders/completed"))
    expect(page.get_by_role("link", name="Completed orders")).to_have_attribute("aria-current", "page")


def order_line(page, product):
    return page.locator(".list-group-item").filter(has=page.get_by_role("heading", name=product, exact=True))


def my_listing(page, name):
    return page.locator(".list-group-item").filter(has=page.get_by_role("link", name=name, exact=True))


def sell_dialog(page, product):
    return page.get_by_role("dialog", name=f"Put up for sale: {product}")


def test_alice_puts_up_her_scarf_for_sale(new_page, look, axe, photo_file):
    alice = log_in(new_page(), "alice", "alice12345")
    look(alice, "home-alice")

    # --- alice opens Completed orders and clicks Put up for sale on the scarf line (3 bought)
    open_completed_orders(alice)
    line = order_line(alice, PRODUCT)
    expect(line).to_contain_text("3 of 3 left to sell")
    look(alice, "completed-orders")
    assert_fields_labelled(alice)
    line.get_by_role("button", name="Put up for sale").click()

    # --- the modal opens with the fields prefilled from the product and the order line
    dialog = modal_ready(sell_dialog(alice, PRODUCT))
    expect(dialog.get_by_label("Name")).to_have_value(PRODUCT)
    expect(dialog.get_by_label("Description")).to_have_value(re.compile("merino wool scarf"))
    expect(dialog.get_by_label("Price")).not_to_have_value("")
    expect(dialog.get_by_label("Quantity")).to_have_value("3")
    look(alice, "put-up-modal")

    # --- she changes the price, adds her contacts, attaches a photo and submits
    dialog.get_by_label("Price").fill("990")
    dialog.get_by_label("Description").fill("Soft merino wool scarf, worn twice. Write to @alice_scarves")
    dialog.get_by_label("Photo").set_input_files(photo_file)
    dialog.get_by_role("button", name="Put up for sale").click()

    # --- ... and sees On moderation on the line and in My items for sale
    expect(dialog).to_be_hidden()
    line = order_line(alice, PRODUCT)
    expect(line.get_by_text("On moderation")).to_be_visible()
    expect(line).not_to_contain_text("left to sell")
    alice.get_by_role("link", name="My items for sale").click()
    item = my_listing(alice, PRODUCT)
    expect(item.get_by_text("On moderation")).to_be_visible()
    expect(item).to_contain_text("990")
    expect(item).to_contain_text("3 pcs")
    expect(item.locator("img")).to_be_visible()
    assert item.locator("img").evaluate("img => img.complete && img.naturalWidth > 0"), "the photo does not load"
    look(alice, "my-items-on-moderation")
    log_out(alice)
    axe.assert_clean()
