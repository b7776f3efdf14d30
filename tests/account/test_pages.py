"""The seller's pages through the test client, CSRF on, as a customer uses them."""

import re
from decimal import Decimal

import pytest

from models import Listing, ListingStatus, Notification, OrderStatus, lifecycle
from models.listing_input import ListingData
from tests.conftest import csrf_from, image_bytes, listing_form_fields

S = ListingStatus


def html(response):
    return response.get_data(as_text=True)


def sell_form(client, line, **overrides):
    fields = listing_form_fields(html(client.get("/account/orders/completed")), **overrides)
    return client.post(f"/account/orders/lines/{line.id}/sell", data=fields, content_type="multipart/form-data")


@pytest.mark.parametrize(
    "url", ["/account/orders/", "/account/orders/completed", "/account/pristroy/", "/account/notifications"]
)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_orders_page_lists_every_order_with_status_and_products(client, login_as, alice, make_completed_line):
    make_completed_line(alice, product_name="Wool coat")
    make_completed_line(alice, status=OrderStatus.PAID, product_name="Rain boots")
    page = html(login_as(alice).get("/account/orders/"))
    assert "Wool coat" in page and "Rain boots" in page
    assert "Completed" in page and "Paid" in page
    assert 'href="/account/orders/completed"' in page and "Completed orders" in page


def test_completed_tab_prefills_the_form_from_product_and_line(client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=3, price="1000.00", product_name="Wool coat")
    make_completed_line(alice, status=OrderStatus.PAID, product_name="Not received yet")
    page = html(login_as(alice).get("/account/orders/completed"))
    assert "Not received yet" not in page
    assert "Put up for sale" in page
    assert f'action="/account/orders/lines/{line.id}/sell"' in page and 'enctype="multipart/form-data"' in page
    assert 'value="Wool coat"' in page and 'value="1000.00"' in page
    # Each modal's fields have ids of their own, so every label points at its own field.
    other = make_completed_line(alice, product_name="Scarf")
    page = html(client.get("/account/orders/completed"))
    for line_id in (line.id, other.id):
        assert f'for="sell-{line_id}-name"' in page
        assert re.search(rf'<input[^>]*id="sell-{line_id}-name"[^>]*name="name"', page)
    assert re.search(r'name="quantity"[^>]*value="3"', page)
    # What the customer paid and today's store price, as a guide (formatted for the locale).
    assert re.search(r"You paid [^<]*1[\u202f\u00a0,. ]?000[^<]* per item; today the store sells it for [^<]*900", page)


def test_put_up_with_photo_shows_on_moderation(client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    login_as(alice)
    response = sell_form(client, line, quantity="2", photo=(__import__("io").BytesIO(image_bytes("JPEG")), "me.jpg"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/pristroy/")
    listing = Listing.get()
    assert (listing.status, listing.quantity, listing.owner_id) == (S.MODERATION, 2, alice.id)
    assert listing.photo_id is not None
    page = html(client.get("/account/pristroy/"))
    assert "Wool coat, size M" in page and "On moderation" in page
    completed = html(client.get("/account/orders/completed"))
    assert "1 of 3 left to sell" in completed and "On moderation" in completed


def test_errors_come_back_next_to_the_field_with_what_was_typed(client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=1)
    login_as(alice)
    response = sell_form(client, line, price="12,345", quantity="5", description="My phone +7 900 123")
    assert response.status_code == 422
    page = html(response)
    assert "Enter a price such as 1500 or 1499.90." in page
    assert 'value="12,345"' in page and "My phone +7 900 123" in page
    assert "is-open" in page  # the modal is rendered open again
    assert Listing.select().count() == 0
    page = html(sell_form(client, line, quantity="5"))
    assert "Only 1 of 1 items are left to sell." in page or "Enter a quantity from 1 to" in page


def test_quantity_over_what_is_left_is_refused_on_the_field(client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=2)
    login_as(alice)
    page = html(sell_form(client, line, quantity="3"))
    assert "Only 2 of 2 items are left to sell." in page
    assert Listing.select().count() == 0


def test_bad_photo_is_refused_on_the_field(client, login_as, alice, make_completed_line):
    line = make_completed_line(alice)
    login_as(alice)
    response = sell_form(client, line, photo=(__import__("io").BytesIO(b"not an image"), "me.jpg"))
    assert response.status_code == 422
    assert "This file is not a JPEG, PNG, WebP or GIF image." in html(response)
    assert Listing.select().count() == 0


def test_put_up_without_csrf_token_is_refused(client, login_as, alice, make_completed_line):
    line = make_completed_line(alice)
    login_as(alice)
    response = sell_form(client, line, csrf_token="")
    assert response.status_code == 400
    assert Listing.select().count() == 0


def test_someone_elses_line_is_403(client, login_as, alice, bob, make_completed_line):
    line = make_completed_line(alice)
    login_as(bob)
    assert sell_form(client, line).status_code == 403
    assert (
        client.post(
            "/account/orders/lines/99999/sell", data={"csrf_token": csrf_from(html(client.get("/")))}
        ).status_code
        == 404
    )
    assert Listing.select().count() == 0


def edit(client, listing, **overrides):
    page = html(client.get("/account/pristroy/"))
    fields = {
        "csrf_token": csrf_from(page),
        "name": listing.name,
        "description": listing.description,
        "price": str(listing.price),
        "quantity": str(listing.quantity),
        "version": str(listing.version),
    }
    fields.update(overrides)
    return client.post(f"/account/pristroy/{listing.id}/edit", data=fields, content_type="multipart/form-data")


def test_edit_sends_approved_listing_back_to_moderation(client, login_as, alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    login_as(alice)
    assert "Blue jacket" in html(client.get("/pristroy/"))
    response = edit(client, listing, price="999.50")
    assert response.status_code == 302
    fresh = Listing.get_by_id(listing.id)
    assert (fresh.status, fresh.price) == (S.MODERATION, Decimal("999.50"))
    client.post("/logout", data={"csrf_token": csrf_from(html(client.get("/")))})
    assert "Blue jacket" not in html(client.get("/pristroy/"))
    assert client.get(f"/pristroy/{listing.id}").status_code == 404


def test_declined_listing_shows_reason_and_is_fixed_by_editing(client, login_as, alice, admin, make_listing):
    listing = make_listing(alice, status=S.DECLINED, admin=admin)
    page = html(login_as(alice).get("/account/pristroy/"))
    assert "Declined" in page and "Add a photo of the label" in page
    edit(client, listing, description="Label photo added")
    assert Listing.get_by_id(listing.id).status == S.MODERATION


def test_stale_edit_is_refused_with_a_message(client, login_as, alice, make_listing):
    listing = make_listing(alice)
    login_as(alice)
    stale = Listing.get_by_id(listing.id)
    lifecycle.edit_listing(alice, listing.id, ListingData("Other", "Other", "1", 1))
    response = edit(client, stale, name="Mine")
    assert response.status_code == 422
    assert "changed by someone else" in html(response)
    assert Listing.get_by_id(listing.id).name == "Other"


def test_product_was_sold_is_final(client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=1)
    login_as(alice)
    sell_form(client, line)
    listing = Listing.get()
    page = html(client.get("/account/pristroy/"))
    assert "Product was sold" in page
    response = client.post(
        f"/account/pristroy/{listing.id}/sold", data={"csrf_token": csrf_from(page), "version": listing.version}
    )
    assert response.status_code == 302
    assert Listing.get_by_id(listing.id).status == S.SOLD
    page = html(client.get("/account/pristroy/"))
    assert "Sold" in page and f'action="/account/pristroy/{listing.id}/edit"' not in page
    assert f'action="/account/pristroy/{listing.id}/sold"' not in page
    # The sold unit can't be put up again, and the line no longer offers the button.
    completed = html(client.get("/account/orders/completed"))
    assert f'action="/account/orders/lines/{line.id}/sell"' not in completed
    assert sell_form(client, line).status_code == 422
    assert edit(client, Listing.get_by_id(listing.id), price="1").status_code in (404, 422)
    assert Listing.get_by_id(listing.id).status == S.SOLD


def test_bob_cannot_touch_alices_listings(client, login_as, alice, bob, admin, make_listing):
    waiting = make_listing(alice)
    approved = make_listing(alice, status=S.APPROVED, admin=admin, name="Public coat")
    login_as(bob)
    token = csrf_from(html(client.get("/account/pristroy/")))
    # Not public: exactly like a listing that does not exist. Public: 403.
    assert edit(client, waiting, name="Hacked").status_code == 404
    assert edit(client, approved, name="Hacked").status_code == 403
    assert client.post(f"/account/pristroy/{waiting.id}/sold", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/account/pristroy/{approved.id}/sold", data={"csrf_token": token}).status_code == 403
    assert "Public coat" not in html(client.get("/account/pristroy/"))
    assert {listing.name for listing in Listing.select()} == {"Blue jacket", "Public coat"}
    assert {listing.status for listing in Listing.select()} == {S.MODERATION, S.APPROVED}


def test_notifications_page_shows_reason_and_marks_read(client, login_as, alice, admin, make_listing):
    make_listing(alice, status=S.DECLINED, admin=admin)
    login_as(alice)
    home = html(client.get("/"))
    assert re.search(r'badge-danger"[^>]*>1<', home)
    page = html(client.get("/account/notifications"))
    assert "Your listing was declined" in page and "Add a photo of the label" in page
    assert Notification.select().where(Notification.read_at.is_null()).count() == 0
    assert not re.search(r'badge-danger"[^>]*>1<', html(client.get("/")))


def test_register_logs_in_at_once_and_login_by_name_works(client):
    page = html(client.get("/register"))
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_from(page),
            "email": "dora@example.com",
            "username": "dora",
            "password": "a long passphrase 42",
            "password_confirm": "a long passphrase 42",
        },
    )
    assert response.status_code == 302, html(response)[:3000]
    assert "dora" in html(client.get("/account/orders/"))


def test_my_items_buttons_are_the_owners_moves(client, login_as, alice, admin, make_listing, monkeypatch):
    """The Edit and Product was sold buttons follow the lifecycle's table, not a list of their own."""
    declined = make_listing(alice, status=ListingStatus.DECLINED, admin=admin, name="Declined coat")
    sold = make_listing(alice, status=ListingStatus.SOLD, name="Sold coat")
    login_as(alice)

    def buttons(listing):
        page = html(client.get("/account/pristroy/"))
        row = page[page.index(f'id="listing-{listing.id}"') :]
        row = row[: row.index("</div>\n</div>")]
        return {"edit": f'href="#edit-{listing.id}"' in row, "sell": f'href="#sold-{listing.id}"' in row}

    assert buttons(declined) == {"edit": True, "sell": True}
    assert buttons(sold) == {"edit": False, "sell": False}
    # Take Declined out of "sell" for a moment: the button goes with it.
    sell = lifecycle.MOVES["sell"]
    monkeypatch.setitem(
        lifecycle.MOVES, "sell", lifecycle.Move(sell.sources - {ListingStatus.DECLINED}, sell.target, sell.by)
    )
    assert buttons(declined) == {"edit": True, "sell": False}
