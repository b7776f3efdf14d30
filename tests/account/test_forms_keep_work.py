"""Forms never lose work: a chosen photo survives a refusal, a double submit lists once,
a full disk and a too large upload come back to the form. Through the pages, CSRF on."""

import errno
import io
import os
import re
import threading
import time

import pytest

from models import Listing, Photo, lifecycle
from models.listing_input import ListingData
from models.photos import WEBP_BOXES, purge_staged, stage_photo, staged_dir
from models.submissions import DuplicateSubmission, FormSubmission
from tests.conftest import csrf_from, hidden_value, image_bytes, listing_form_fields

STORAGE_MESSAGE = "Photos can&#39;t be stored right now. Try again later, or save without a photo."


def html(response):
    return response.get_data(as_text=True)


def sell_fields(client, **overrides):
    return listing_form_fields(html(client.get("/account/orders/completed")), **overrides)


def post_sell(client, line, fields):
    return client.post(f"/account/orders/lines/{line.id}/sell", data=fields, content_type="multipart/form-data")


def photo(size=(640, 480), name="me.jpg"):
    return (io.BytesIO(image_bytes("JPEG", size=size)), name)


# A kept photo: its meta file, display, thumbnail and WebP copies.
STAGED_FILES = 3 + len(WEBP_BOXES)


def staged_files(app):
    with app.app_context():
        directory = staged_dir()
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


# ---------------------------------------------------------------- 1. a chosen photo is kept


def test_photo_survives_a_refused_price_and_is_used_next_time(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    login_as(alice)
    response = post_sell(client, line, sell_fields(client, price="abc", photo=photo(name="coat.jpg")))
    assert response.status_code == 422
    page = html(response)
    assert "Your photo is kept: coat.jpg" in page
    assert 'value="Wool coat, size M"' in page  # what was typed is kept too
    token = hidden_value(page, "staged_photo")
    assert token and len(staged_files(app)) == STAGED_FILES
    # The preview is the uploader's only.
    preview = client.get(f"/account/kept-photo/{token}")
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    assert preview.headers["Cache-Control"] == "private, no-store"
    preview.close()
    assert Listing.select().count() == 0 and Photo.select().count() == 0

    fields = sell_fields(client, staged_photo=token)
    response = post_sell(client, line, fields)
    assert response.status_code == 302, html(response)[:2000]
    listing = Listing.get()
    assert listing.photo_id is not None
    assert (Photo.get_by_id(listing.photo_id).width, listing.price) == (640, 700)
    assert staged_files(app) == []  # used up
    assert client.get(f"/account/kept-photo/{token}").status_code == 404


def test_photo_kept_when_the_domain_refuses(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=1)
    login_as(alice)
    response = post_sell(client, line, sell_fields(client, quantity="5", photo=photo()))
    assert response.status_code == 422
    page = html(response)
    assert "Your photo is kept: me.jpg" in page and hidden_value(page, "staged_photo")


def test_a_newly_chosen_photo_replaces_the_kept_one(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    login_as(alice)
    token = hidden_value(html(post_sell(client, line, sell_fields(client, price="abc", photo=photo()))), "staged_photo")
    response = post_sell(client, line, sell_fields(client, staged_photo=token, photo=photo(size=(300, 200))))
    assert response.status_code == 302
    assert Photo.get_by_id(Listing.get().photo_id).width == 300
    assert staged_files(app) == []


def test_a_refused_new_photo_leaves_the_kept_one_kept(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    login_as(alice)
    token = hidden_value(
        html(post_sell(client, line, sell_fields(client, price="abc", photo=photo(name="coat.jpg")))), "staged_photo"
    )
    bad = (io.BytesIO(b"not an image at all"), "other.jpg")
    response = post_sell(client, line, sell_fields(client, staged_photo=token, photo=bad))
    assert response.status_code == 422
    page = html(response)
    assert "This file is not a JPEG, PNG, WebP or GIF image." in page
    assert "Your photo is kept: coat.jpg" in page and hidden_value(page, "staged_photo") == token


@pytest.mark.parametrize("whose", ["other user", "forged", "expired", "path"])
def test_a_token_that_is_not_yours_or_no_longer_valid_is_refused_with_a_message(
    app, client, login_as, alice, bob, make_completed_line, whose
):
    line = make_completed_line(alice, quantity=3)
    if whose == "other user":
        login_as(bob)
        bob_line = make_completed_line(bob)
        token = hidden_value(
            html(post_sell(client, bob_line, sell_fields(client, price="abc", photo=photo()))), "staged_photo"
        )
        assert token
    elif whose == "forged":
        token = "A" * 43
    elif whose == "path":
        token = "../../secret_key"
    login_as(alice)
    if whose == "expired":
        token = hidden_value(
            html(post_sell(client, line, sell_fields(client, price="abc", photo=photo()))), "staged_photo"
        )
        old = time.time() - 2 * 86400
        for name in staged_files(app):
            os.utime(os.path.join(app.config["UPLOAD_DIR"], ".staged", name), (old, old))
    response = post_sell(client, line, sell_fields(client, staged_photo=token))
    assert response.status_code == 422
    page = html(response)
    assert "The photo you chose before is no longer kept. Choose it again." in page
    assert 'value="Wool coat, size M"' in page
    assert Listing.select().count() == 0  # never silently listed without the chosen photo
    assert client.get(f"/account/kept-photo/{token}").status_code == 404
    if whose == "other user":
        assert len(staged_files(app)) == STAGED_FILES  # bob's photo is still there for bob


def test_edit_form_keeps_a_photo_too(app, client, login_as, alice, make_listing):
    listing = make_listing(alice)
    login_as(alice)
    page = html(client.get("/account/pristroy/"))
    fields = {
        "csrf_token": csrf_from(page),
        "version": str(listing.version),
        "name": "",
        "description": "Still warm",
        "price": "650",
        "quantity": "1",
        "photo": photo(name="new.jpg"),
    }
    url = f"/account/pristroy/{listing.id}/edit"
    response = client.post(url, data=fields, content_type="multipart/form-data")
    assert response.status_code == 422
    page = html(response)
    assert "Your photo is kept: new.jpg" in page
    fields.update(name="Blue jacket", photo=None, staged_photo=hidden_value(page, "staged_photo"))
    del fields["photo"]
    response = client.post(url, data=fields, content_type="multipart/form-data")
    assert response.status_code == 302
    assert Listing.get_by_id(listing.id).photo_id is not None


def test_old_kept_photos_are_purged(app, alice):
    from models.photos import process_image

    token = stage_photo(process_image(image_bytes("JPEG"), "a.jpg"), alice.id, "a.jpg")
    assert purge_staged() == 0
    assert purge_staged(now=time.time() + 2 * 86400) == STAGED_FILES
    assert token and staged_files(app) == []


# ---------------------------------------------------------------- 2. one form, one listing


def test_the_same_form_posted_twice_makes_one_listing(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    login_as(alice)
    fields = sell_fields(client)
    assert fields["form_token"]
    first = post_sell(client, line, dict(fields))
    assert first.status_code == 302
    second = post_sell(client, line, dict(fields))
    assert second.status_code == 302 and second.headers["Location"].endswith("/account/pristroy/")
    assert "This form was already sent: your listing is below." in html(client.get("/account/pristroy/"))
    assert Listing.select().count() == 1
    # A new rendering of the form is a new form.
    assert post_sell(client, line, sell_fields(client)).status_code == 302
    assert Listing.select().count() == 2


def test_each_rendering_has_its_own_form_token(client, login_as, alice, make_completed_line):
    make_completed_line(alice)
    login_as(alice)
    assert sell_fields(client)["form_token"] != sell_fields(client)["form_token"]


@pytest.mark.parametrize("bought", [3, 1])
def test_two_threads_posting_the_same_form_make_one_listing(app, client, login_as, alice, make_completed_line, bought):
    """Both land on My items; with one unit bought the twin is still a retry, not "nothing left"."""
    line = make_completed_line(alice, quantity=bought)
    login_as(alice)
    fields = sell_fields(client)
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(2)
    codes = [None, None]

    def run(i):
        other = app.test_client()
        other.set_cookie("session", cookie)
        barrier.wait()
        codes[i] = post_sell(other, line, dict(fields)).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert codes == [302, 302]
    assert Listing.select().count() == 1
    assert FormSubmission.select().count() == 1


def test_the_database_decides_between_two_puts_of_one_token(app, alice, make_completed_line):
    """Past the early check (as two submits at the same moment are), the unique index refuses the second."""
    line = make_completed_line(alice, quantity=3)
    data = ListingData(name="Coat", description="Call me", price="100", quantity=1)
    lifecycle.put_up_for_sale(alice, line.id, data, form_token="t" * 32)
    original = FormSubmission.listing_for
    try:
        FormSubmission.listing_for = classmethod(lambda cls, user, token: None)
        with pytest.raises(DuplicateSubmission):
            lifecycle.put_up_for_sale(alice, line.id, data, form_token="t" * 32)
    finally:
        FormSubmission.listing_for = original
    assert Listing.select().count() == 1


# ---------------------------------------------------------------- 3. a full or unwritable disk


def test_a_full_disk_gives_a_message_and_keeps_what_was_typed(
    app, client, login_as, alice, make_completed_line, monkeypatch
):
    line = make_completed_line(alice, quantity=3)
    login_as(alice)
    fields = sell_fields(client, name="Typed name", photo=photo())

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    response = post_sell(client, line, fields)
    assert response.status_code == 422
    page = html(response)
    assert page.count(STORAGE_MESSAGE) == 1
    assert 'value="Typed name"' in page
    assert Listing.select().count() == 0 and Photo.select().count() == 0
    monkeypatch.undo()
    leftovers = [n for n in os.listdir(app.config["UPLOAD_DIR"]) if not n.startswith(".staged")]
    assert leftovers == []
    # Saving without a photo still works.
    assert post_sell(client, line, sell_fields(client)).status_code == 302


def test_an_unwritable_upload_folder_gives_a_message(app, client, login_as, alice, make_listing, tmp_path):
    listing = make_listing(alice)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.config["UPLOAD_DIR"] = str(blocker / "uploads")  # under a file: even root can't write there
    login_as(alice)
    page = html(client.get("/account/pristroy/"))
    fields = {
        "csrf_token": csrf_from(page),
        "version": str(listing.version),
        "name": "Edited name",
        "description": "Still warm",
        "price": "650",
        "quantity": "1",
        "photo": photo(),
    }
    response = client.post(f"/account/pristroy/{listing.id}/edit", data=fields, content_type="multipart/form-data")
    assert response.status_code == 422
    page = html(response)
    assert STORAGE_MESSAGE in page and 'value="Edited name"' in page
    assert Listing.get_by_id(listing.id).name == "Blue jacket"


# ---------------------------------------------------------------- 4. too large for the server


def test_a_too_large_put_up_goes_back_to_the_form_with_a_message(app, client, login_as, alice, make_completed_line):
    line = make_completed_line(alice)
    login_as(alice)
    fields = sell_fields(client, photo=photo())
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = post_sell(client, line, fields)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/account/orders/completed#sell-{line.id}")
    app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024
    page = html(client.get(response.headers["Location"]))
    assert "The photo is larger than 10 MB, so the form could not be sent" in page
    assert Listing.select().count() == 0


def test_a_too_large_edit_goes_back_to_my_items(app, client, login_as, alice, make_listing):
    listing = make_listing(alice)
    login_as(alice)
    page = html(client.get("/account/pristroy/"))
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = client.post(
        f"/account/pristroy/{listing.id}/edit",
        data={"csrf_token": csrf_from(page), "name": "x", "photo": photo()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/account/pristroy/#edit-{listing.id}")


def test_other_too_large_posts_still_get_the_413_page(app, client, login_as, alice, make_listing):
    listing = make_listing(alice)
    login_as(alice)
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = client.post(
        f"/account/pristroy/{listing.id}/sold", data={"x": "y" * 5000}, content_type="multipart/form-data"
    )
    assert response.status_code == 413


def test_the_photo_field_tells_the_browser_its_limit(client, login_as, alice, make_completed_line):
    make_completed_line(alice)
    login_as(alice)
    page = html(client.get("/account/orders/completed"))
    assert re.search(r'<input[^>]*data-max-bytes="10485760"[^>]*type="file"|type="file"[^>]*data-max-bytes', page)
    assert "data-too-large=" in page
    script = client.get("/static/js/app.js")
    assert b"data-max-bytes" in script.data
    script.close()
