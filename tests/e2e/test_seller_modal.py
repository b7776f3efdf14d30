"""The Put up for sale modal: validation errors shown in the modal with what was typed kept,
and its keyboard and screen-reader behaviour (focus, Escape, labels).

These use bob's completed order (Linen shirt ×2, Denim jeans ×1), so they do not
touch alice's scarf, which the story test resells.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_fields_labelled, log_in, menu_link, modal_ready

pytestmark = pytest.mark.e2e


def _completed_orders(page):
    menu_link(page, "Orders").click()
    page.get_by_role("link", name="Completed orders").click()
    expect(page).to_have_url(re.compile(r"/account/orders/completed"))


def _line(page, product):
    return page.locator(".list-group-item").filter(has=page.get_by_role("heading", name=product, exact=True))


def test_errors_come_back_in_the_modal_with_what_was_typed(new_page, look, axe, tmp_path):
    bob = log_in(new_page(), "bob@example.com", "bob12345")
    _completed_orders(bob)
    _line(bob, "Linen shirt, white").get_by_role("button", name="Put up for sale").click()
    dialog = modal_ready(bob.get_by_role("dialog", name="Put up for sale: Linen shirt, white"))
    expect(dialog.get_by_label("Quantity")).to_have_value("2")

    # Round 1: no name, a price with three decimals, a text file as the photo.
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_text("this is not a picture")
    description = "Ironed once. Call +7 900 123-45-67 after 6 pm."
    dialog.get_by_label("Name").fill("")
    dialog.get_by_label("Description").fill(description)
    dialog.get_by_label("Price").fill("12.345")
    dialog.get_by_label("Photo").set_input_files(not_a_photo)
    dialog.get_by_role("button", name="Put up for sale").click()

    bob.wait_for_load_state()
    modal_ready(dialog)  # the page came back with the modal open
    for label in ("Name", "Price", "Photo"):
        expect(dialog.get_by_label(label)).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(dialog.get_by_role("alert").filter(has_text="Enter a name.")).to_be_visible()
    expect(dialog.get_by_role("alert")).to_have_count(3)
    expect(dialog.get_by_label("Description")).to_have_value(description)
    expect(dialog.get_by_label("Price")).to_have_value("12.345")
    expect(dialog.get_by_label("Quantity")).to_have_value("2")
    # Keyboard users land on the first field in error.
    expect(dialog.get_by_label("Name")).to_be_focused()
    look(bob, "put-up-modal-errors")

    # Round 2: the form is fine but asks for more than is left on the order line.
    dialog.get_by_label("Name").fill("Linen shirt, white, size M")
    dialog.get_by_label("Price").fill("1500.50")
    dialog.get_by_label("Quantity").fill("5")
    dialog.get_by_role("button", name="Put up for sale").click()
    bob.wait_for_load_state()
    modal_ready(dialog)
    expect(dialog.get_by_label("Quantity")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(dialog.get_by_label("Quantity")).to_be_focused()  # the field in error, not the first one
    expect(dialog.get_by_role("alert")).to_have_count(1)
    expect(dialog.get_by_label("Name")).to_have_value("Linen shirt, white, size M")
    expect(dialog.get_by_label("Price")).to_have_value("1500.50")
    expect(dialog.get_by_label("Quantity")).to_have_value("5")

    # Round 3: fixed; the listing goes to moderation.
    dialog.get_by_label("Quantity").fill("2")
    dialog.get_by_role("button", name="Put up for sale").click()
    expect(dialog).to_be_hidden()
    expect(bob.get_by_role("alert").filter(has_text=re.compile("on moderation", re.I))).to_be_visible()
    _completed_orders(bob)
    line = _line(bob, "Linen shirt, white")
    expect(line.get_by_text("On moderation")).to_be_visible()
    expect(line.get_by_role("button", name="Put up for sale")).to_have_count(0)
    axe.assert_clean()


def test_the_modal_takes_focus_and_escape_closes_it(new_page, look, axe):
    bob = log_in(new_page(), "bob", "bob12345")
    _completed_orders(bob)
    assert_fields_labelled(bob)
    opener = _line(bob, "Denim jeans, slim").get_by_role("button", name="Put up for sale")
    dialog = bob.get_by_role("dialog", name="Put up for sale: Denim jeans, slim")
    expect(dialog).to_be_hidden()

    # Opened from the keyboard, the modal takes the focus: its first field.
    opener.focus()
    bob.keyboard.press("Enter")
    modal_ready(dialog)
    expect(dialog.get_by_label("Name")).to_be_focused()
    # Tabbing never reaches the page behind the modal (past its last button the browser's own
    # toolbar may take the focus: document.body, then Bootstrap brings it back into the modal).
    for _ in range(12):
        bob.keyboard.press("Tab")
        outside = bob.evaluate(
            "() => { const a = document.activeElement; return a && a !== document.body && !a.closest('[role=dialog]')"
            " ? a.outerHTML.slice(0, 120) : null; }"
        )
        assert outside is None, f"Tab moved the focus behind the modal, to {outside}"
    look(bob, "put-up-modal-keyboard")

    # Escape closes it and gives the focus back to the button that opened it.
    bob.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # Cancel closes it too, and nothing was put up for sale.
    opener.click()
    modal_ready(dialog)
    dialog.get_by_role("button", name="Cancel").or_(dialog.get_by_role("link", name="Cancel")).click()
    expect(dialog).to_be_hidden()
    expect(_line(bob, "Denim jeans, slim")).to_contain_text("1 of 1 left to sell")
    axe.assert_clean()


def test_public_and_sign_in_pages(new_page, look, axe):
    """Anonymous pages: labelled fields, no sideways scroll on a phone, no serious axe violations."""
    visitor = new_page()
    visitor.goto("/")
    expect(visitor.get_by_role("heading", name="Flea market")).to_be_visible()
    look(visitor, "home-anonymous")
    visitor.get_by_role("link", name="Flea market", exact=True).first.click()
    expect(visitor).to_have_url(re.compile(r"/pristroy/"))
    look(visitor, "showcase-anonymous")
    visitor.get_by_role("link", name="Log in").click()
    assert_fields_labelled(visitor)
    look(visitor, "login")
    visitor.get_by_role("link", name="Register").first.click()
    expect(visitor.get_by_role("heading", name="Create an account")).to_be_visible()
    assert_fields_labelled(visitor)
    look(visitor, "register")
    # A personal page sends an anonymous visitor to the login form.
    visitor.goto("/account/orders/completed")
    expect(visitor).to_have_url(re.compile(r"/login"))
    expect(visitor.get_by_label("Email or login")).to_be_visible()
    axe.assert_clean()
