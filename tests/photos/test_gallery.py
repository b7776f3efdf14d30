"""Several photos a listing, through the seller's forms (CSRF on), the item page, the admin and
the photo files: add, remove, reorder, the limit of 8, the store's photo as the fallback, the
edit's diff, and what is kept, served and deleted."""

import io
import os
import re

import pytest
from playhouse.test_utils import count_queries
from werkzeug.datastructures import MultiDict

from models import Listing, ListingPhoto, ListingStatus, Photo, lifecycle
from models.listing_input import ListingData
from models.photos import MAX_PHOTOS, process_image
from tests.conftest import csrf_from, hidden_value, image_bytes, listing_form_fields
from tests.public.helpers import item_ids, log_out, text_of

S = ListingStatus
COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200), (200, 30, 200)]


def html(response):
    return response.get_data(as_text=True)


def upload(n=0, name=None):
    return (io.BytesIO(image_bytes("JPEG", size=(64 + n, 48), color=COLOURS[n % len(COLOURS)])), name or f"p{n}.jpg")


def processed(n=0):
    return process_image(image_bytes("JPEG", size=(64 + n, 48), color=COLOURS[n % len(COLOURS)]), f"p{n}.jpg")


def gallery(listing):
    return ListingPhoto.ids_of(Listing.get_by_id(listing.id))


def widths(listing):
    return [Photo.get_by_id(i).width for i in gallery(listing)]


def uploads(app):
    return sorted(n for n in os.listdir(app.config["UPLOAD_DIR"]) if not n.startswith("."))


def files_of(photo_id):
    photo = Photo.get_by_id(photo_id)
    return {photo.filename, photo.thumb_filename}


def post_sell(client, line, **overrides):
    fields = listing_form_fields(html(client.get("/account/orders/completed")), **overrides)
    return client.post(
        f"/account/orders/lines/{line.id}/sell", data=MultiDict(list(_flat(fields))), content_type="multipart/form-data"
    )


def _flat(fields):
    for key, value in fields.items():
        if isinstance(value, list):
            for item in value:
                yield key, item
        else:
            yield key, value


def edit_fields(client, listing, **overrides):
    page = html(client.get("/account/pristroy/"))
    form = page[page.index(f'action="/account/pristroy/{listing.id}/edit"') :]
    form = form[: form.index("</form>")]
    fields = {
        "csrf_token": csrf_from(page),
        "version": hidden_value(form, "version"),
        "name": re.search(r'name="name"[^>]*value="([^"]*)"', form).group(1),
        "description": re.search(r'<textarea[^>]*name="description"[^>]*>\s*([^<]*)</textarea>', form).group(1),
        "price": re.search(r'name="price"[^>]*value="([^"]*)"', form).group(1),
        "quantity": re.search(r'name="quantity"[^>]*value="([^"]*)"', form).group(1),
        "photo_order": hidden_value(form, "photo_order") or "",
    }
    fields.update(overrides)
    return fields, form


def post_edit(client, listing, **overrides):
    fields, _form = edit_fields(client, listing, **overrides)
    return client.post(
        f"/account/pristroy/{listing.id}/edit", data=MultiDict(list(_flat(fields))), content_type="multipart/form-data"
    )


def item_photo_order(client, listing):
    """The photos' stems as the item page's gallery shows them (main first)."""
    page = html(client.get(f"/pristroy/{listing.id}"))
    main = re.search(r'class="item-photo" src="/media/([0-9a-f]{32})\.', page).group(1)
    thumbs = re.findall(r'class="item-gallery-link[^"]*" data-full="/media/([0-9a-f]{32})\.', page)
    return main, thumbs, page


# ---------------------------------------------------------------- add (put up with several at once)


def test_several_photos_chosen_at_once_the_first_is_the_main_one(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=1)
    login_as(alice)
    page = html(client.get("/account/orders/completed"))
    assert re.search(r'<input[^>]*multiple[^>]*name="photo"|<input[^>]*name="photo"[^>]*multiple', page)
    response = post_sell(client, line, photo=[upload(0), upload(1), upload(2)])
    assert response.status_code == 302, html(response)[:2000]
    listing = Listing.get()
    assert widths(listing) == [64, 65, 66]
    assert listing.photo_id == gallery(listing)[0]
    main, thumbs, page = item_photo_order(client, listing)
    stems = [Photo.get_by_id(i).stem for i in gallery(listing)]
    assert main == stems[0] and thumbs == stems
    # The store's photo is not beside the seller's.
    assert "Store photo" not in page


def test_more_than_8_photos_is_refused_on_the_field_and_nothing_is_written(
    app, client, login_as, alice, make_completed_line
):
    line = make_completed_line(alice, quantity=1)
    login_as(alice)
    response = post_sell(client, line, name="Nine photos coat", photo=[upload(n) for n in range(MAX_PHOTOS + 1)])
    assert response.status_code == 422
    page = html(response)
    field = page[page.index('name="photo"') :][:600]
    assert "Choose up to 8 photos." in field  # next to the field
    assert 'value="Nine photos coat"' in page  # what was typed is kept
    assert Listing.select().count() == 0 and Photo.select().count() == 0 and uploads(app) == []
    # Eight are fine.
    response = post_sell(client, line, photo=[upload(n) for n in range(MAX_PHOTOS)])
    assert response.status_code == 302
    assert len(gallery(Listing.get())) == MAX_PHOTOS


def test_several_chosen_photos_survive_a_refused_form(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=1)
    login_as(alice)
    response = post_sell(client, line, price="abc", photo=[upload(0, "coat.jpg"), upload(1, "label.jpg")])
    assert response.status_code == 422
    page = html(response)
    assert "Your photo is kept: coat.jpg" in page and "Your photo is kept: label.jpg" in page
    tokens = hidden_value(page, "staged_photo")
    assert len(tokens.split()) == 2
    for token in tokens.split():
        preview = client.get(f"/account/kept-photo/{token}")
        assert preview.status_code == 200
        preview.close()
    assert Photo.select().count() == 0
    response = post_sell(client, line, staged_photo=tokens)
    assert response.status_code == 302, html(response)[:2000]
    assert widths(Listing.get()) == [64, 65]


# ---------------------------------------------------------------- edit: add, remove, reorder


def test_edit_adds_removes_and_reorders(app, client, login_as, alice, make_listing):
    listing = make_listing(alice, photos=[processed(0), processed(1)])
    a, b = gallery(listing)
    login_as(alice)
    assert post_edit(client, listing, photo=[upload(2)]).status_code == 302
    a, b, c = gallery(listing)
    assert widths(listing) == [64, 65, 66]
    # Reorder: the last becomes the main photo.
    assert post_edit(client, listing, photo_order=f"{c},{a},{b}").status_code == 302
    assert gallery(listing) == [c, a, b] and Listing.get_by_id(listing.id).photo_id == c
    # Remove the main one: the next is the main photo now; its files go after the commit.
    gone = files_of(c)
    assert post_edit(client, listing, remove_photo=[str(c)]).status_code == 302
    assert gallery(listing) == [a, b] and Listing.get_by_id(listing.id).photo_id == a
    assert Photo.get_or_none(Photo.id == c) is None and not gone & set(uploads(app))
    # Several removals at once (the field repeats).
    assert post_edit(client, listing, remove_photo=[str(a), str(b)], photo_order=f"{b},{a}").status_code == 302
    assert gallery(listing) == []


def test_edit_beyond_8_photos_is_refused_on_the_field(app, client, login_as, alice, make_listing):
    listing = make_listing(alice, photos=[processed(n) for n in range(7)])
    before = gallery(listing)
    login_as(alice)
    response = post_edit(client, listing, name="Typed again", photo=[upload(7), upload(8)])
    assert response.status_code == 422
    page = html(response)
    field = page[page.index('name="photo"') :][:800]
    assert "A listing can have up to 8 photos. Remove some or choose fewer." in field
    assert 'value="Typed again"' in page
    assert gallery(listing) == before and Photo.select().count() == 7
    # Removing one first makes room.
    kept = hidden_value(page, "staged_photo")
    response = post_edit(client, listing, remove_photo=[str(before[0])], staged_photo=kept)
    assert response.status_code == 302, html(response)[:3000]
    assert len(gallery(listing)) == 8 and before[0] not in gallery(listing)


def test_removing_the_last_photo_falls_back_to_the_store_photo(app, client, login_as, alice, make_listing):
    from models import OrderLine, Product

    listing = make_listing(alice, photos=[processed(0)])
    product = Product.get_by_id(OrderLine.get_by_id(listing.order_line_id).product_id)
    store = Photo.create(stem="ab" * 16, ext="jpg", width=300, height=300)
    Product.update(photo=store.id).where(Product.id == product.id).execute()
    login_as(alice)
    page = html(client.get(f"/pristroy/{listing.id}"))
    assert "Store photo" not in page and store.stem not in page  # the seller has a photo
    (only,) = gallery(listing)
    assert post_edit(client, listing, remove_photo=[str(only)]).status_code == 302
    fresh = Listing.get_by_id(listing.id)
    assert fresh.photo_id is None and gallery(listing) == []
    response = client.get(f"/pristroy/{listing.id}")
    assert f"/media/{store.stem}.jpg" in html(response)
    assert "Store photo: the seller has not added photos of the item itself." in text_of(response)


def test_order_buttons_work_without_javascript(app, client, login_as, alice, make_listing):
    listing = make_listing(alice, photos=[processed(0), processed(1), processed(2)])
    a, b, c = gallery(listing)
    login_as(alice)
    fields, form = edit_fields(client, listing)
    assert f'name="photo_move" value="down-{a}"' in form and f'name="photo_move" value="up-{c}"' in form
    response = client.post(
        f"/account/pristroy/{listing.id}/edit",
        data=MultiDict(list(_flat(dict(fields, name="Typed", photo_move=f"up-{c}")))),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = html(response)
    assert gallery(listing) == [a, b, c]  # nothing saved yet
    assert 'value="Typed"' in page and "The order is changed on the form: Save to keep it." in page
    order = hidden_value(page[page.index(f'action="/account/pristroy/{listing.id}/edit"') :], "photo_order")
    assert order == f"{a},{c},{b}"
    assert post_edit(client, listing, photo_order=order).status_code == 302
    assert gallery(listing) == [a, c, b]


def test_another_listings_photo_ids_are_ignored(app, client, login_as, alice, bob, make_listing):
    mine = make_listing(alice, photos=[processed(0), processed(1)])
    theirs = make_listing(bob, photos=[processed(2), processed(3)])
    x, y = gallery(theirs)
    a, b = gallery(mine)
    login_as(alice)
    response = post_edit(client, mine, remove_photo=[str(x)], photo_order=f"{y},{x},{b},{a}")
    assert response.status_code == 302
    assert gallery(mine) == [b, a]
    assert gallery(theirs) == [x, y] and Photo.get_or_none(Photo.id == x) is not None
    assert files_of(x) <= set(uploads(app))


# ---------------------------------------------------------------- moderation: an edit, and the diff


def test_a_photo_change_of_an_approved_listing_is_an_edit_and_the_admin_sees_it(
    app, client, login_as, admin, alice, make_listing
):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(0), processed(1)])
    a, b = gallery(listing)
    login_as(alice)
    assert post_edit(client, listing, remove_photo=[str(a)], photo=[upload(2)]).status_code == 302
    fresh = Listing.get_by_id(listing.id)
    assert fresh.status == S.MODERATION
    b2, c = gallery(listing)
    assert b2 == b
    # Off the showcase; the removed photo is kept while the approved version refers to it.
    log_out(client)
    assert item_ids(client.get("/pristroy/")) == []
    assert client.get(f"/media/{Photo.get_by_id(b).filename}").status_code == 404
    removed = Photo.get_by_id(a)
    assert {removed.filename, removed.thumb_filename} <= set(uploads(app))
    login_as(admin)
    page = html(client.get(f"/admin/pristroy/edit/?id={listing.id}"))
    section = page[page.index('id="changes"') : page.index("</section>", page.index('id="changes"'))]
    row = section[section.index('class="change-photo"') :]
    assert "1 photo removed" in row and "1 photo added" in row
    old, new = row.split('class="new"', 1)
    assert removed.stem in old and removed.stem not in new
    assert Photo.get_by_id(c).stem in new and Photo.get_by_id(c).stem not in old
    shown = client.get(f"/media/{removed.filename}")  # the moderator still sees what was approved
    assert shown.status_code == 200
    shown.close()
    # Once the new version is approved, the removed photo's files go.
    lifecycle.approve(admin, listing.id)
    assert Photo.get_or_none(Photo.id == a) is None
    assert not {removed.filename, removed.thumb_filename} & set(uploads(app))
    assert "change-photo" not in html(client.get(f"/admin/pristroy/edit/?id={listing.id}"))


def test_reordering_an_approved_listing_is_an_edit_too(app, admin, alice, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(0), processed(1)])
    a, b = gallery(listing)
    data = ListingData(listing.name, listing.description, listing.price, listing.quantity)
    edited = lifecycle.edit_listing(alice, listing.id, data, photos=lifecycle.PhotoChanges(order=[b, a]))
    assert edited.status == S.MODERATION and edited.photo_id == b
    # Taken off and put back unchanged since... it changed: moderation first.
    lifecycle.approve(admin, listing.id)
    lifecycle.withdraw(alice, listing.id)
    assert lifecycle.put_back(alice, listing.id).status == S.APPROVED  # nothing changed since this approval


def test_a_snapshot_from_before_several_photos_still_compares_equal(app, admin, alice, make_listing):
    import json

    listing = make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(0)])
    snap = json.loads(Listing.get_by_id(listing.id).approved_snapshot)
    del snap["photo_ids"]  # as the approvals before m0009 wrote it
    Listing.update(approved_snapshot=json.dumps(snap)).where(Listing.id == listing.id).execute()
    lifecycle.withdraw(alice, listing.id)
    assert lifecycle.put_back(alice, listing.id).status == S.APPROVED


# ---------------------------------------------------------------- serving and deleting


def test_every_photo_of_a_public_listing_is_served_to_visitors(app, client, admin, alice, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(0), processed(1), processed(2)])
    names = [Photo.get_by_id(i) for i in gallery(listing)]
    for photo in names:
        for name in (photo.filename, photo.thumb_filename):
            response = client.get(f"/media/{name}")
            assert response.status_code == 200, name
            response.close()
    lifecycle.withdraw(alice, listing.id)
    assert client.get(f"/media/{names[2].filename}").status_code == 404


def test_a_removed_photo_still_referenced_elsewhere_is_kept_and_served(app, client, admin, alice, make_listing):
    listing = make_listing(alice, photos=[processed(0), processed(1)])
    other = make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(2)])
    a, b = gallery(listing)
    # The same photo row in another listing's gallery (as a copy or an import could make it).
    ListingPhoto.create(listing=other.id, photo=b, position=1)
    data = ListingData(listing.name, listing.description, listing.price, listing.quantity)
    lifecycle.edit_listing(alice, listing.id, data, photos=lifecycle.PhotoChanges(remove=[a, b]))
    assert Photo.get_or_none(Photo.id == a) is None  # nothing else had it
    kept = Photo.get_by_id(b)
    assert {kept.filename, kept.thumb_filename} <= set(uploads(app))
    response = client.get(f"/media/{kept.filename}")  # public through the other listing's gallery
    assert response.status_code == 200
    response.close()


def test_check_finds_no_orphans_among_gallery_photos(app, admin, alice, make_listing):
    make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(0), processed(1), processed(2)])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "Orphan files: 0" in result.output


def test_check_fix_of_a_lost_main_photo_makes_the_next_one_main(app, alice, make_listing):
    listing = make_listing(alice, photos=[processed(0), processed(1)])
    a, b = gallery(listing)
    for name in files_of(a):
        os.unlink(os.path.join(app.config["UPLOAD_DIR"], name))
    result = app.test_cli_runner().invoke(args=["check", "--fix"])
    assert result.exit_code == 0, result.output
    assert gallery(listing) == [b] and Listing.get_by_id(listing.id).photo_id == b


# ---------------------------------------------------------------- query counts


def _showcase_queries(client):
    with count_queries() as counter:
        response = client.get("/pristroy/")
    assert response.status_code == 200
    return counter.count, len(item_ids(response))


@pytest.mark.parametrize("url", ["/pristroy/", "/"])
def test_showcase_queries_do_not_grow_with_photos(app, client, admin, alice, make_listing, url):
    app.config["SHOWCASE_COUNT_TTL"] = 0
    for _n in range(2):
        make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(0), processed(1), processed(2)])
    few, shown_few = _showcase_queries(client)
    for n in range(4):
        make_listing(alice, status=S.APPROVED, admin=admin, photos=[processed(n), processed(n + 1), processed(n + 2)])
    many, shown_many = _showcase_queries(client)
    assert (shown_few, shown_many) == (2, 6)
    assert few == many
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count <= few


def test_my_items_queries_do_not_grow_with_photos(app, client, login_as, alice, make_listing):
    make_listing(alice, photos=[processed(0), processed(1)])
    login_as(alice)
    with count_queries() as first:
        assert client.get("/account/pristroy/").status_code == 200
    for n in range(3):
        make_listing(alice, photos=[processed(n), processed(n + 1), processed(n + 2)])
    with count_queries() as second:
        assert client.get("/account/pristroy/").status_code == 200
    assert first.count == second.count
