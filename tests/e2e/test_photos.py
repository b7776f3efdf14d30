"""A seller's photos and pauses in the browser: three photos chosen at once (previewed before
the upload), reordered by dragging in the edit form, shown in that order on the item page's
gallery; then Take off sale and Put back on sale from My items for sale.

The seller is a customer of their own, fed by the store connector's API and signed in by its
one-time link, so no other browser test's demo lines are touched.
"""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import log_in, modal_ready

pytestmark = pytest.mark.e2e

PRODUCT = "Knitted hat, green"
# Three photos told apart by their shapes (the pages give every photo's width and height).
SIZES = [(600, 400), (400, 600), (500, 500)]


@pytest.fixture
def seller(own_customer, tmp_path):
    """A signed-in customer of their own with a completed order of PRODUCT, and three photos."""
    page = own_customer(PRODUCT)
    files = []
    for n, size in enumerate(SIZES):
        path = tmp_path / f"hat-{n}.jpg"
        Image.new("RGB", size, (40 + 60 * n, 140, 60)).save(path, "JPEG")
        files.append(path)
    page.files = files
    return page


def _main_size(page):
    main = page.locator(".item-photos img.item-photo")
    return int(main.get_attribute("width")), int(main.get_attribute("height"))


def _gallery_sizes(page):
    links = page.locator(".item-gallery-link")
    return [(int(a.get_attribute("data-width")), int(a.get_attribute("data-height"))) for a in links.all()]


def _my_item(page):
    return page.locator(".my-listing").filter(has=page.get_by_role("link", name=PRODUCT, exact=True))


def test_three_photos_reordered_by_dragging_and_the_item_paused_and_resumed(seller, new_page, look, axe):
    page = seller
    page.goto("/account/orders/completed")
    line = page.locator(".completed-line").filter(has=page.get_by_role("heading", name=PRODUCT, exact=True))
    line.get_by_role("button", name="Put up for sale").click()
    dialog = modal_ready(page.get_by_role("dialog", name=f"Put up for sale: {PRODUCT}"))
    dialog.get_by_label("Description").fill("Hand-knitted, worn once. Telegram @hat_seller")
    dialog.get_by_label("Photos").set_input_files(page.files)
    # A preview of the three before anything is uploaded.
    expect(dialog.locator(".photo-preview img")).to_have_count(3)
    dialog.get_by_role("button", name="Put up for sale").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("alert").filter(has_text=re.compile("on moderation", re.I))).to_be_visible()

    # The edit form lists them in the order chosen; drag the third onto the first.
    page.goto("/account/pristroy/")
    item = _my_item(page)
    item.get_by_role("button", name="Edit").click()
    edit = modal_ready(page.get_by_role("dialog", name=f"Edit: {PRODUCT}"))
    photos = edit.locator(".photo-item")
    expect(photos).to_have_count(3)
    ids = [p.get_attribute("data-photo-id") for p in photos.all()]
    photos.nth(2).drag_to(photos.nth(0))
    expect(edit.locator("input[name=photo_order]")).to_have_value(",".join([ids[2], ids[0], ids[1]]))
    expect(photos.nth(0)).to_have_attribute("data-photo-id", ids[2])
    look(page, "edit-photos-reordered")
    edit.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text=re.compile("Saved", re.I))).to_be_visible()

    # The item page shows them in the new order: the third is the main photo now.
    page.get_by_role("link", name=PRODUCT, exact=True).click()
    expect(page.locator(".item-gallery-link")).to_have_count(3)
    assert _gallery_sizes(page) == [SIZES[2], SIZES[0], SIZES[1]]
    assert _main_size(page) == SIZES[2]
    # A thumbnail shows its photo in the main place, from the keyboard too.
    second = page.locator(".item-gallery-link").nth(1)
    second.focus()
    page.keyboard.press("Enter")
    expect(second).to_have_attribute("aria-current", "true")
    assert _main_size(page) == SIZES[0]
    # The browser shows the chosen photo's WebP copy (its srcset is swapped with its src).
    stem = second.get_attribute("data-full").rsplit("/", 1)[1].split(".")[0]
    shown = "s => { const i = document.querySelector('.item-photos img.item-photo'); "
    shown += "return i.complete && i.currentSrc.includes(s) && i.currentSrc.endsWith('.webp'); }"
    page.wait_for_function(shown, arg=stem)
    look(page, "item-gallery")

    # A moderator approves it; the seller takes it off sale and puts it back.
    admin = log_in(new_page(), "admin", "admin12345")
    admin.goto("/admin/pristroy/")
    admin.get_by_role("row").filter(has_text=PRODUCT).get_by_role("button", name="Approve").click()
    admin.wait_for_load_state()

    page.goto("/account/pristroy/")
    item = _my_item(page)
    expect(item.locator(".status-badge")).to_have_text("Approved")
    item.get_by_role("button", name="Take off sale").click()
    page.wait_for_load_state()
    item = _my_item(page)
    expect(item.locator(".status-badge")).to_have_text("Withdrawn")
    expect(page.get_by_role("alert").filter(has_text="is off sale")).to_be_visible()
    item.get_by_role("button", name="Put back on sale").click()
    page.wait_for_load_state()
    item = _my_item(page)
    expect(item.locator(".status-badge")).to_have_text("Approved")
    expect(page.get_by_role("alert").filter(has_text="on the showcase again")).to_be_visible()
    axe.assert_clean()
