"""The flea market's whole story in a real browser, by visible labels and roles.

alice resells the grey wool scarf (3 bought) from a completed order; the admin
moderates it; a visitor finds it; bob asks a question and alice answers; edits,
a decline with a reason, approval again, and finally "Product was sold".
Every step asserts what a person would see, so a broken page fails it.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_fields_labelled, log_in, menu_link, modal_ready

pytestmark = pytest.mark.e2e

PRODUCT = "Wool scarf, grey"


def open_completed_orders(page):
    menu_link(page, "Orders").click()
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


def card(scope, name):
    """A listing's card (home page collection, showcase): its name is a link."""
    return scope.get_by_role("link", name=name, exact=True)


# Flask-Admin's own parts of the admin pages, not our templates: its base.html has no <html lang>,
# its filter row (built by its bs4_filters.js) has an unlabelled value box, and its menu bar
# (nav.navbar) is its Bootstrap "light" navbar. Everything else on the admin pages is checked.
ADMIN_AXE = {
    "disable": ("html-has-lang", "label"),
    "exclude": ("nav.navbar",),
    "why": "Flask-Admin's own base template, filter row and menu bar",
}


def admin_list(admin):
    """Admin -> Catalog -> Pristroy, by the menus."""
    admin.goto("/admin/")
    admin.get_by_role("button", name="Catalog").click()
    admin.get_by_role("link", name="Pristroy").click()
    expect(admin).to_have_url(re.compile(r"/admin/pristroy/"))
    expect(admin.get_by_role("heading", name="Pristroy")).to_be_visible()


def admin_row(admin, name):
    return admin.get_by_role("row").filter(has_text=name)


def bulk(admin, action):
    """A bulk action button under the list (not a row's own button)."""
    admin.locator("form").filter(has_text="With selected:").get_by_role("button", name=action).click()


def edit_my_listing(alice, name, **fields):
    """My items for sale -> Edit -> change fields -> Save; back on the list."""
    alice.goto("/")
    menu_link(alice, "My items for sale").click()
    my_listing(alice, name).get_by_role("button", name="Edit").click()
    dialog = modal_ready(alice.get_by_role("dialog", name=f"Edit: {name}"))
    for label, value in fields.items():
        dialog.get_by_label(label.capitalize()).fill(value)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    return my_listing(alice, name)


def reviews_of(page):
    page.get_by_role("tab", name=re.compile("Reviews")).click()
    panel = page.get_by_role("tabpanel", name=re.compile("Reviews"))
    expect(panel).to_be_visible()
    return panel


def test_the_whole_story(new_page, look, axe, photo_file):
    # ---------------------------------------------------------------- alice puts it up for sale
    alice = log_in(new_page(), "alice", "alice12345")
    look(alice, "home-alice")
    open_completed_orders(alice)
    line = order_line(alice, PRODUCT)
    expect(line).to_contain_text("3 of 3 left to sell")
    look(alice, "completed-orders")
    assert_fields_labelled(alice)
    line.get_by_role("button", name="Put up for sale").click()

    # The modal opens with the fields prefilled from the product and the order line.
    dialog = modal_ready(sell_dialog(alice, PRODUCT))
    expect(dialog.get_by_label("Name")).to_have_value(PRODUCT)
    expect(dialog.get_by_label("Description")).to_have_value(re.compile("merino wool scarf"))
    expect(dialog.get_by_label("Price")).not_to_have_value("")
    expect(dialog.get_by_label("Quantity")).to_have_value("3")
    look(alice, "put-up-modal")

    # She changes the price, adds her contacts, attaches a photo and submits...
    dialog.get_by_label("Price").fill("990")
    dialog.get_by_label("Description").fill("Soft merino wool scarf, worn twice.\nWrite to @alice_scarves")
    dialog.get_by_label("Photo").set_input_files(photo_file)
    dialog.get_by_role("button", name="Put up for sale").click()

    # ... and sees On moderation, in My items for sale and on the order line.
    expect(dialog).to_be_hidden()
    expect(alice.get_by_role("alert").filter(has_text=re.compile("on moderation", re.I))).to_be_visible()
    open_completed_orders(alice)
    line = order_line(alice, PRODUCT)
    expect(line.get_by_text("On moderation")).to_be_visible()
    expect(line).not_to_contain_text("left to sell")
    expect(line.get_by_role("button", name="Put up for sale")).to_have_count(0)
    menu_link(alice, "My items for sale").click()
    item = my_listing(alice, PRODUCT)
    expect(item.get_by_text("On moderation")).to_be_visible()
    expect(item).to_contain_text("990")
    expect(item).to_contain_text("3 items")
    expect(item.locator("img")).to_be_visible()
    assert item.locator("img").evaluate("img => img.complete && img.naturalWidth > 0"), "the photo does not load"
    look(alice, "my-items-on-moderation")

    # Not public yet: a visitor finds it nowhere.
    visitor = new_page()
    visitor.goto("/pristroy/")
    expect(card(visitor, PRODUCT)).to_have_count(0)
    listing_path = item.get_by_role("link", name=PRODUCT).get_attribute("href")
    assert visitor.goto(listing_path).status == 404

    # ---------------------------------------------------------------- the admin approves it
    admin = log_in(new_page(), "admin", "admin12345")
    admin.on("dialog", lambda d: d.accept())  # "Approve the selected listings?" and the like
    menu_link(admin, "Admin").click()
    look(admin, "admin-dashboard", **ADMIN_AXE)
    admin_list(admin)
    admin.get_by_role("button", name="Add Filter").click()
    admin.get_by_role("button", name="User", exact=True).click()
    user_filter = admin.get_by_role("row", name=re.compile("User"))
    user_filter.get_by_role("textbox").press_sequentially("ali", delay=50)
    # Typing turns the box into an autocomplete (a combobox with a datalist: the browser's own
    # popup, which no page script can click, so we read its options and pick alice's).
    user_box = user_filter.get_by_role("combobox")
    expect(user_box).to_have_value("ali")
    admin.wait_for_function("box => box.list && box.list.dataset.query === 'ali'", arg=user_box.element_handle())
    offered = user_box.evaluate("box => [...box.list.options].map(o => o.value)")
    assert "alice" in offered and "bob" not in offered and "admin" not in offered, offered
    user_box.fill("alice")  # picking the option puts its value in the box
    admin.get_by_role("button", name="Apply").click()
    expect(admin).to_have_url(re.compile(r"user_starts_with=alice"))
    row = admin_row(admin, PRODUCT)
    expect(row).to_have_count(1)
    expect(row.get_by_text("On moderation")).to_be_visible()
    expect(admin_row(admin, "Linen shirt")).to_have_count(0)  # bob's listing is filtered out
    look(admin, "admin-pristroy-filtered", **ADMIN_AXE)
    row.get_by_role("checkbox", name="Select").check()
    bulk(admin, "Approve")
    expect(admin.get_by_text("Approved 1 listing.")).to_be_visible()  # the flash message
    expect(admin_row(admin, PRODUCT).get_by_text("Approved")).to_be_visible()

    # ---------------------------------------------------------------- a visitor finds it
    visitor.goto("/")
    collection = visitor.get_by_role("region", name="Flea market")
    expect(card(collection, PRODUCT)).to_be_visible()
    expect(collection.get_by_role("listitem").filter(has_text=PRODUCT)).to_contain_text("990")
    look(visitor, "home-with-listing")
    visitor.get_by_role("link", name="See all listings").click()
    expect(visitor).to_have_url(re.compile(r"/pristroy/$"))
    expect(card(visitor, PRODUCT)).to_be_visible()
    look(visitor, "showcase")
    card(visitor, PRODUCT).click()
    expect(visitor.get_by_role("heading", name=PRODUCT, level=1)).to_be_visible()
    # The price as the store writes it in English ("RUB 990").
    expect(visitor.get_by_text(re.compile(r"^(RUB\s)?990$"))).to_be_visible()
    expect(visitor.get_by_text("Write to @alice_scarves")).to_be_visible()
    expect(visitor.get_by_role("definition").filter(has_text="alice")).to_be_visible()
    photo = visitor.get_by_role("img", name=PRODUCT)
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the item photo does not load"
    expect(visitor.get_by_role("button", name=re.compile("cart", re.I))).to_have_count(0)
    look(visitor, "item-page")

    # ---------------------------------------------------------------- bob asks, alice answers
    bob = log_in(new_page(), "bob", "bob12345")
    bob.goto(listing_path)
    question = "Is it still soft, no pilling?"
    reviews = reviews_of(bob)
    reviews.get_by_label("Your comment or question").fill(question)
    reviews.get_by_role("button", name="Send").click()
    reviews = reviews_of(bob)
    expect(reviews.get_by_text(question)).to_be_visible()
    expect(bob.get_by_role("tab", name=re.compile("Reviews"))).to_contain_text("1")
    look(bob, "item-reviews-question")

    menu_link(alice, "Notifications").click()
    expect(alice.locator(".notification").filter(has_text=PRODUCT).first).to_be_visible()
    alice.goto(listing_path)
    reviews = reviews_of(alice)
    thread = reviews.get_by_role("listitem").filter(has_text=question).first
    thread.get_by_text("Answer", exact=True).click()
    answer = "Yes, no pilling at all."
    thread.get_by_label("Your answer").fill(answer)
    thread.get_by_role("button", name="Send").click()
    reviews = reviews_of(alice)
    answered = reviews.locator(".comment").filter(has_text=answer)
    expect(answered).to_be_visible()
    expect(answered.get_by_text("Seller", exact=True)).to_be_visible()
    asked = reviews.locator(".comment").filter(has_text=question)
    expect(asked.get_by_text("Seller", exact=True)).to_have_count(0)  # bob's question is not the seller's
    look(alice, "item-reviews-answered")

    # ---------------------------------------------------------------- alice edits the price: off the showcase
    item = edit_my_listing(alice, PRODUCT, price="890")
    expect(item.get_by_text("On moderation")).to_be_visible()
    expect(item).to_contain_text("890")
    visitor.goto("/pristroy/")
    expect(card(visitor, PRODUCT)).to_have_count(0)
    assert visitor.goto(listing_path).status == 404

    # ---------------------------------------------------------------- the admin declines it with a reason
    admin_list(admin)
    row = admin_row(admin, PRODUCT)
    expect(row.get_by_text("On moderation")).to_be_visible()
    row.get_by_role("checkbox", name="Select").check()
    bulk(admin, "Decline")
    expect(admin.get_by_role("heading", name="Decline listings")).to_be_visible()
    expect(admin.get_by_role("listitem").filter(has_text=PRODUCT)).to_be_visible()
    admin.get_by_role("button", name="Decline").click()  # no reason: refused, still on the form
    expect(admin.get_by_role("alert").filter(has_text="reason")).to_be_visible()
    reason = "Please add a photo of the label with the size."
    admin.get_by_label("Reason", exact=True).fill(reason)
    look(admin, "admin-decline-form", **ADMIN_AXE)
    admin.get_by_role("button", name="Decline").click()
    expect(admin).to_have_url(re.compile(r"/admin/pristroy/"))
    expect(admin_row(admin, PRODUCT).get_by_text("Declined")).to_be_visible()

    # ---------------------------------------------------------------- alice sees the reason and the notification
    alice.goto("/")
    expect(alice.locator("details.user-menu > summary .badge")).to_be_visible()
    menu_link(alice, "My items for sale").click()
    item = my_listing(alice, PRODUCT)
    expect(item.get_by_text("Declined")).to_be_visible()
    expect(item).to_contain_text(reason)
    look(alice, "my-items-declined")
    menu_link(alice, "Notifications").click()
    declined = alice.locator(".notification").filter(has_text=reason)
    expect(declined).to_be_visible()
    expect(declined).to_contain_text(PRODUCT)
    look(alice, "notifications")
    alice.reload()
    expect(alice.locator("details.user-menu > summary .badge")).to_have_count(0)

    # ---------------------------------------------------------------- she fixes it, the admin approves it
    fixed = "Soft merino wool scarf, worn twice. Size label: 180 x 30.\nWrite to @alice_scarves"
    item = edit_my_listing(alice, PRODUCT, description=fixed)
    expect(item.get_by_text("On moderation")).to_be_visible()
    admin_list(admin)
    row = admin_row(admin, PRODUCT)
    expect(row.get_by_text("On moderation")).to_be_visible()
    row.get_by_role("button", name="Approve").click()  # the row's own button this time
    expect(admin_row(admin, PRODUCT).get_by_text("Approved")).to_be_visible()
    visitor.goto("/pristroy/")
    expect(card(visitor, PRODUCT)).to_be_visible()

    # ---------------------------------------------------------------- Product was sold: gone everywhere
    menu_link(alice, "My items for sale").click()
    my_listing(alice, PRODUCT).get_by_role("button", name="Product was sold").click()
    confirm = modal_ready(alice.get_by_role("dialog", name="Product was sold"))
    look(alice, "sold-confirmation")
    confirm.get_by_role("button", name="Product was sold").click()
    expect(confirm).to_be_hidden()
    item = my_listing(alice, PRODUCT)
    expect(item.get_by_text("Sold", exact=True)).to_be_visible()
    expect(item.get_by_role("button", name="Edit")).to_have_count(0)
    expect(item.get_by_role("button", name="Product was sold")).to_have_count(0)
    look(alice, "my-items-sold")

    visitor.goto("/")
    expect(card(visitor.get_by_role("region", name="Flea market"), PRODUCT)).to_have_count(0)
    visitor.goto("/pristroy/")
    expect(card(visitor, PRODUCT)).to_have_count(0)
    assert visitor.goto(listing_path).status == 410
    expect(visitor.get_by_role("heading", name="This item has been sold")).to_be_visible()
    expect(visitor.get_by_text("@alice_scarves")).to_have_count(0)
    look(visitor, "item-sold")
    admin_list(admin)
    expect(admin_row(admin, PRODUCT)).to_have_count(0)

    axe.assert_clean()
