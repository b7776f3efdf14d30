"""Editing a listing in the admin, what changed since approval, and its moderation log."""

import io
import re
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from models import Listing, ListingStatus, ModerationEvent, Photo, lifecycle
from models.listing_input import ListingData
from models.photos import process_image
from tests.conftest import image_bytes

from .conftest import find_form, hidden_fields

S = ListingStatus


def edit_url(listing):
    return f"/admin/pristroy/edit/?id={listing.id}"


def edit_form(html):
    return find_form(html, lambda f: f["attrs"].get("enctype") == "multipart/form-data")


def post_edit(client, listing, html=None, photo=None, **fields):
    html = html or client.get(edit_url(listing)).get_data(as_text=True)
    form = edit_form(html)
    data = dict(hidden_fields(form))
    current = {
        "name": re.search(r'name="name"[^>]*value="([^"]*)"', html).group(1),
        "description": form["textareas"]["description"].strip(),
        "price": re.search(r'name="price"[^>]*value="([^"]*)"', html).group(1),
        "quantity": re.search(r'name="quantity"[^>]*value="([^"]*)"', html).group(1),
    }
    data.update(current)
    data.update(fields)
    if photo is not None:
        data["photo"] = photo
    return client.post(form["attrs"]["action"], data=MultiDict(list(data.items())), content_type="multipart/form-data")


def test_edit_page_shows_fields_photo_save_and_cancel(admin_client, alice, make_listing):
    listing = make_listing(alice, name="Wool coat", photo=process_image(image_bytes("JPEG"), "c.jpg"))
    html = admin_client.get(edit_url(listing)).get_data(as_text=True)
    assert 'value="Wool coat"' in html
    assert ">Save</button>" in html and ">Cancel</a>" in html
    photo = Listing.get_by_id(listing.id).photo
    assert f"/media/{photo.stem}.thumb.{photo.ext}" in html  # the current photo is shown
    assert 'type="file"' in html and 'name="photo"' in html


def test_admin_edit_saves_keeps_status_and_is_logged(admin_client, admin, alice, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, name="Wool coat")
    response = post_edit(admin_client, listing, name="Wool coat, size M", price="1400.50", quantity="1")
    assert response.status_code == 302
    fresh = Listing.get_by_id(listing.id)
    assert (fresh.name, fresh.price, fresh.status) == ("Wool coat, size M", Decimal("1400.50"), S.APPROVED)
    event = ModerationEvent.select().order_by(ModerationEvent.id.desc()).get()
    assert (event.action, event.actor_id, event.from_status, event.to_status) == (
        "admin_edit",
        admin.id,
        S.APPROVED,
        S.APPROVED,
    )
    log = admin_client.get(edit_url(listing)).get_data(as_text=True)
    assert "Moderation log" in log and "admin" in log


def test_admin_edit_replaces_the_photo(admin_client, alice, make_listing):
    listing = make_listing(alice)
    upload = (io.BytesIO(image_bytes("PNG", (300, 200))), "new.png")
    response = post_edit(admin_client, listing, photo=upload)
    assert response.status_code == 302
    fresh = Listing.get_by_id(listing.id)
    assert fresh.photo_id is not None and Photo.get_by_id(fresh.photo_id).ext == "png"


def test_same_validation_as_the_customer_side(admin_client, alice, make_listing):
    listing = make_listing(alice, name="Wool coat")
    for fields, message in (
        ({"price": "12.345"}, "Enter a price such as 1500 or 1499.90."),
        ({"price": "-3"}, "Enter a price such as 1500 or 1499.90."),
        ({"name": ""}, "Enter a name."),
        ({"quantity": "0"}, "Enter a quantity from 1 to"),
        ({"quantity": "5"}, "Only 1 of 1 items are left to sell."),
    ):
        response = post_edit(admin_client, listing, **fields)
        assert response.status_code == 200, fields
        html = response.get_data(as_text=True)
        assert message in html, fields
        assert Listing.get_by_id(listing.id).name == "Wool coat"
    # What was typed comes back.
    html = post_edit(admin_client, listing, name="Typed name", price="abc").get_data(as_text=True)
    assert 'value="Typed name"' in html and 'value="abc"' in html
    bad = (io.BytesIO(b"not an image"), "x.jpg")
    html = post_edit(admin_client, listing, photo=bad).get_data(as_text=True)
    assert "not a JPEG, PNG, WebP or GIF image" in html or "damaged" in html


def test_edit_made_meanwhile_is_not_overwritten(admin_client, alice, make_listing):
    listing = make_listing(alice, name="Wool coat")
    html = admin_client.get(edit_url(listing)).get_data(as_text=True)
    lifecycle.edit_listing(alice, listing.id, ListingData("Seller's name", "Seller's text", "10", 1))
    response = post_edit(admin_client, listing, html=html, name="Admin's name")
    assert response.status_code == 200
    assert "changed by someone else" in response.get_data(as_text=True)
    assert Listing.get_by_id(listing.id).name == "Seller's name"


def test_what_changed_since_approval(admin_client, admin, alice, make_listing):
    old_photo = process_image(image_bytes("JPEG", color=(10, 10, 200)), "old.jpg")
    listing = make_listing(alice, status=S.APPROVED, admin=admin, name="Wool coat", photo=old_photo)
    old_photo_row = Listing.get_by_id(listing.id).photo
    new_photo = process_image(image_bytes("PNG", (100, 100)), "new.png")
    lifecycle.edit_listing(
        alice,
        listing.id,
        ListingData("Wool coat, like new", "Worn twice. Call +7 900 000-00-00", "1200", 1),
        photo=new_photo,
    )
    fresh = Listing.get_by_id(listing.id)
    assert fresh.status == S.MODERATION
    html = admin_client.get(edit_url(listing)).get_data(as_text=True)
    section = html[html.index('id="changes"') : html.index("</section>", html.index('id="changes"'))]
    assert "What changed since it was last approved" in section
    assert re.search(r'class="change-name".*?Wool coat<.*?Wool coat, like new<', section, re.S)
    assert re.search(r'class="change-price".*?RUB\u00a01,500.*?RUB\u00a01,200', section, re.S)
    assert "change-description" not in section and "change-quantity" not in section
    photo_row = section[section.index('class="change-photo"') :]
    assert f"{old_photo_row.stem}.thumb" in photo_row and f"{fresh.photo.stem}.thumb" in photo_row
    # The list marks it as changed, too.
    assert ">changed</span>" in admin_client.get("/admin/pristroy/").get_data(as_text=True)


def test_never_approved_listing_has_no_diff(admin_client, alice, make_listing):
    listing = make_listing(alice)
    html = admin_client.get(edit_url(listing)).get_data(as_text=True)
    assert 'id="changes"' not in html


def test_unknown_listing_is_404(admin_client):
    assert admin_client.get("/admin/pristroy/edit/?id=999999").status_code == 404
    assert admin_client.get("/admin/pristroy/edit/?id=abc").status_code == 404
