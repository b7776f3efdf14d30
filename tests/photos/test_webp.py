"""WebP copies of every photo at the sizes pages show it (`<stem>.w<box>.webp`), offered in
`srcset` with the original format as `src` and link target: written with the photo, served under
its access rule, removed, backed up and checked with it; photos stored before them keep working
and `check --fix` makes their copies. The first image of a page loads eagerly, the others lazily."""

import io
import os
import re

from PIL import Image

from models import ListingStatus, Photo, lifecycle
from models.listing_input import ListingData
from models.photos import (
    WEBP_BOXES,
    all_filenames,
    find_orphans,
    load_staged,
    process_image,
    stage_photo,
    webp_filename,
)
from tests.conftest import image_bytes

S = ListingStatus


def html(response):
    return response.get_data(as_text=True)


def processed(size=(1200, 900), color=(200, 30, 30), fmt="JPEG"):
    return process_image(image_bytes(fmt, size=size, color=color), f"p.{fmt.lower()}")


def uploads(app):
    return set(os.listdir(app.config["UPLOAD_DIR"]))


def fetch(client, url):
    response = client.get(url)
    body = response.get_data()
    status, mimetype = response.status_code, response.mimetype
    response.close()
    return status, mimetype, body


def imgs(page):
    return re.findall(r"<img\b[^>]*>", page)


def attr(tag, name):
    match = re.search(rf'\s{name}="([^"]*)"', tag)
    return match.group(1) if match else None


def srcset_urls(tag):
    return [(part.split()[0], int(part.split()[1][:-1])) for part in attr(tag, "srcset").split(", ")]


def drop_webp(app, photo):
    """Make `photo` look stored by a release before the WebP copies."""
    for box in WEBP_BOXES:
        os.unlink(os.path.join(app.config["UPLOAD_DIR"], webp_filename(photo.stem, box)))


def test_a_photo_is_stored_with_webp_copies_at_the_widths_shown(app, alice, make_listing):
    listing = make_listing(alice, photo=processed(size=(1200, 900)))
    photo = Photo.get_by_id(listing.photo_id)
    assert (photo.width, photo.height) == (1200, 900)
    expected = {240: (240, 180), 480: (480, 360), 960: (960, 720), 1600: (1200, 900)}
    assert set(WEBP_BOXES) == set(expected)
    for box, size in expected.items():
        with Image.open(os.path.join(app.config["UPLOAD_DIR"], f"{photo.stem}.w{box}.webp")) as image:
            assert (image.format, image.size) == ("WEBP", size)
    # The original format stays: display and thumbnail.
    with Image.open(os.path.join(app.config["UPLOAD_DIR"], photo.filename)) as image:
        assert image.format == "JPEG"
    assert set(all_filenames(photo.stem, photo.ext)) <= uploads(app)


def test_a_png_with_transparency_keeps_it_in_webp(app, alice, make_listing):
    data = image_bytes("PNG", size=(300, 200), color=(10, 20, 30, 0), alpha=True)
    listing = make_listing(alice, photo=process_image(data, "p.png"))
    photo = Photo.get_by_id(listing.photo_id)
    with Image.open(os.path.join(app.config["UPLOAD_DIR"], photo.webp_filename(240))) as image:
        assert image.size == (240, 160) and image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


def test_item_page_main_photo_is_eager_with_webp_srcset_and_the_original_as_link(
    app, client, admin, alice, make_listing
):
    listing = make_listing(
        alice, status=S.APPROVED, admin=admin, photos=[processed(), processed(size=(600, 800), color=(1, 2, 3))]
    )
    main, second = (Photo.get_by_id(i) for i in lifecycle_gallery(listing))
    page = html(client.get(f"/pristroy/{listing.id}"))
    tags = imgs(page)
    first = tags[0]
    assert 'class="item-photo"' in first
    assert attr(first, "loading") == "eager" and attr(first, "fetchpriority") == "high"
    assert attr(first, "decoding") == "async" and attr(first, "sizes")
    assert (attr(first, "width"), attr(first, "height")) == ("1200", "900")
    assert attr(first, "src") == f"/media/{main.filename}"  # the original format, for a browser without WebP
    widths = ((240, 240), (480, 480), (960, 960), (1600, 1200))
    assert srcset_urls(first) == [(f"/media/{main.stem}.w{box}.webp", w) for box, w in widths]
    assert f'href="/media/{main.filename}"' in page  # the full-size photo is the link
    for url, width in srcset_urls(first):
        status, mimetype, body = fetch(client, url)
        assert (status, mimetype) == (200, "image/webp")
        with Image.open(io.BytesIO(body)) as image:
            assert image.width == width
    # The gallery strip: lazy, a fixed 72 px box, the small WebP copies.
    strip = [tag for tag in tags if "item-thumb" in tag]
    assert len(strip) == 2
    for tag in strip:
        assert attr(tag, "loading") == "lazy" and attr(tag, "fetchpriority") is None
        assert (attr(tag, "width"), attr(tag, "height")) == ("72", "72") and attr(tag, "sizes") == "72px"
    assert srcset_urls(strip[1]) == [(f"/media/{second.stem}.w240.webp", 180)]
    # The gallery script swaps the main photo's srcset too.
    assert f'data-srcset="/media/{second.stem}.w240.webp 180w, /media/{second.stem}.w480.webp 360w' in page


def lifecycle_gallery(listing):
    from models import Listing, ListingPhoto

    return ListingPhoto.ids_of(Listing.get_by_id(listing.id))


def _cards(page):
    return [tag for tag in imgs(page) if "card-img-top" in tag]


def test_the_first_card_is_eager_and_the_others_lazy_on_showcase_and_home(app, client, admin, alice, make_listing):
    for n in range(3):
        make_listing(alice, status=S.APPROVED, admin=admin, name=f"Coat {n}", photo=processed(color=(n, 90, 9)))
    for url in ("/pristroy/", "/"):
        cards = _cards(html(client.get(url)))
        assert len(cards) == 3, url
        assert attr(cards[0], "loading") == "eager" and attr(cards[0], "fetchpriority") == "high", url
        for tag in cards[1:]:
            assert attr(tag, "loading") == "lazy" and attr(tag, "fetchpriority") is None, url
        for tag in cards:
            assert (attr(tag, "width"), attr(tag, "height")) == ("480", "360")
            assert attr(tag, "decoding") == "async" and "vw" in attr(tag, "sizes")
            assert [w for _u, w in srcset_urls(tag)] == [240, 480]
            assert re.fullmatch(r"/media/[0-9a-f]{32}\.thumb\.jpg", attr(tag, "src"))


def test_the_store_photo_on_a_card_and_the_item_page_goes_through_the_same_markup(
    app, client, admin, alice, make_listing
):
    from models import Listing
    from models.connector import set_product_photo
    from models.orders import Product

    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    product = Listing.get_by_id(listing.id).order_line.product
    Product.update(external_id="store-1").where(Product.id == product.id).execute()
    set_product_photo("store-1", image_bytes("JPEG", size=(800, 800)))
    photo = Photo.get()
    card = _cards(html(client.get("/pristroy/")))[0]
    assert srcset_urls(card) == [(f"/media/{photo.stem}.w240.webp", 240), (f"/media/{photo.stem}.w480.webp", 480)]
    main = imgs(html(client.get(f"/pristroy/{listing.id}")))[0]
    assert attr(main, "fetchpriority") == "high" and attr(main, "src") == f"/media/{photo.filename}"
    assert [w for _u, w in srcset_urls(main)] == [240, 480, 800]


def test_account_thumbnails_use_the_small_webp_copies(app, client, login_as, admin, alice, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, photo=processed())
    photo = Photo.get_by_id(listing.photo_id)
    login_as(alice)
    tag = [t for t in imgs(html(client.get("/account/pristroy/"))) if "line-thumb" in t][0]
    assert srcset_urls(tag) == [(f"/media/{photo.stem}.w240.webp", 240)]
    assert (attr(tag, "width"), attr(tag, "height"), attr(tag, "loading")) == ("72", "72", "lazy")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html(client.get(f"/pristroy/{listing.id}"))).group(1)
    client.post(f"/pristroy/{listing.id}/favourite", data={"csrf_token": csrf})
    tag = [t for t in imgs(html(client.get("/account/favourites"))) if "line-thumb" in t][0]
    assert srcset_urls(tag) == [(f"/media/{photo.stem}.w240.webp", 240)]


def test_admin_list_thumbnails_use_the_smallest_webp_copy(app, client, login_as, admin, alice, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, photo=processed())
    photo = Photo.get_by_id(listing.photo_id)
    login_as(admin)
    tag = [t for t in imgs(html(client.get("/admin/pristroy/"))) if "admin-thumb" in t][0]
    assert attr(tag, "src") == f"/media/{photo.stem}.w240.webp"
    assert (attr(tag, "width"), attr(tag, "height"), attr(tag, "loading")) == ("48", "48", "lazy")
    assert fetch(client, attr(tag, "src"))[0] == 200


def test_a_listing_that_is_not_public_has_its_webp_copies_served_only_to_its_owner_and_admins(
    app, client, login_as, admin, alice, bob, make_listing
):
    listing = make_listing(alice, photo=processed())  # on moderation
    photo = Photo.get_by_id(listing.photo_id)
    urls = [f"/media/{photo.webp_filename(box)}" for box in WEBP_BOXES]
    for url in urls:
        assert fetch(client, url)[0] == 404, url  # anonymous
    for user, expected in ((bob, 404), (alice, 200), (admin, 200)):
        login_as(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == expected, (user.username, url)
            if expected == 200:
                assert "no-store" in response.headers["Cache-Control"]
            response.close()
    # A made-up box or a WebP name in another extension is no file at all.
    assert fetch(client, f"/media/{photo.stem}.w300.webp")[0] == 404
    assert fetch(client, f"/media/{photo.stem}.w240.jpg")[0] == 404


def test_a_photo_stored_before_the_webp_copies_still_renders_is_served_and_check_fix_makes_them(
    app, client, admin, alice, make_listing
):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, photo=processed())
    photo = Photo.get_by_id(listing.photo_id)
    drop_webp(app, photo)
    upload_dir = app.config["UPLOAD_DIR"]
    card = _cards(html(client.get("/pristroy/")))[0]
    main = imgs(html(client.get(f"/pristroy/{listing.id}")))[0]
    # Meanwhile the copies' names answer with the older files, in their own type.
    for url, _w in srcset_urls(card) + srcset_urls(main):
        status, mimetype, body = fetch(client, url)
        assert (status, mimetype) == (200, "image/jpeg"), url
        small = int(re.search(r"\.w(\d+)\.webp$", url).group(1)) <= 480
        with open(os.path.join(upload_dir, photo.thumb_filename if small else photo.filename), "rb") as fh:
            assert body == fh.read(), url

    runner = app.test_cli_runner()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output  # not damage: the site works
    assert "Photos without WebP copies: 1 (check --fix makes them)" in result.output
    assert "Photos whose files are missing: 0" in result.output and "Orphan files: 0" in result.output
    result = runner.invoke(args=["check", "--fix"])
    assert result.exit_code == 0, result.output
    assert "WebP copies made for 1 of 1 photos." in result.output
    assert Photo.get_or_none(Photo.id == photo.id) is not None  # the row is kept, never "missing files"
    for url, width in srcset_urls(main):
        status, mimetype, body = fetch(client, url)
        assert (status, mimetype) == (200, "image/webp")
        with Image.open(io.BytesIO(body)) as image:
            assert image.width == width
    assert "Photos without WebP copies: 0" in runner.invoke(args=["check"]).output


def test_removing_a_photo_removes_its_webp_copies(app, alice, make_listing):
    listing = make_listing(alice, photos=[processed(), processed(color=(5, 5, 5))])
    first, second = lifecycle_gallery(listing)
    gone = Photo.get_by_id(first)
    names = set(all_filenames(gone.stem, gone.ext))
    assert names <= uploads(app)
    data = ListingData(listing.name, listing.description, listing.price, listing.quantity)
    lifecycle.edit_listing(alice, listing.id, data, photos=lifecycle.PhotoChanges(remove=[first]))
    assert not names & uploads(app)
    kept = Photo.get_by_id(second)
    assert set(all_filenames(kept.stem, kept.ext)) <= uploads(app)


def test_orphans_cover_the_webp_copies(app, alice, make_listing):
    listing = make_listing(alice, photo=processed())
    photo = Photo.get_by_id(listing.photo_id)
    upload_dir = app.config["UPLOAD_DIR"]
    stray = webp_filename("ab" * 16, 480)
    with open(os.path.join(upload_dir, stray), "wb") as fh:
        fh.write(b"left by a crash")
    old = os.path.getmtime(os.path.join(upload_dir, photo.filename)) - 3600
    for name in os.listdir(upload_dir):
        os.utime(os.path.join(upload_dir, name), (old, old))
    orphans, missing = find_orphans()
    assert orphans == [stray] and missing == []
    result = app.test_cli_runner().invoke(args=["check", "--fix"])
    assert result.exit_code == 0, result.output
    assert stray not in uploads(app) and set(all_filenames(photo.stem, photo.ext)) <= uploads(app)


def test_a_kept_photo_of_a_refused_form_keeps_its_webp_copies(app, alice):
    with app.test_request_context():
        token = stage_photo(processed(), alice.id, "coat.jpg")
        staged = os.path.join(app.config["UPLOAD_DIR"], ".staged")
        assert {webp_filename(token, box) for box in WEBP_BOXES} <= set(os.listdir(staged))
        kept = load_staged(token, alice.id)
        assert sorted(kept.processed.webp) == sorted(WEBP_BOXES)
        # Kept by the release before (no copies beside it): they are made when it is used.
        for box in WEBP_BOXES:
            os.unlink(os.path.join(staged, webp_filename(token, box)))
        again = load_staged(token, alice.id)
        assert again is not None and sorted(again.processed.webp) == sorted(WEBP_BOXES)
        with Image.open(io.BytesIO(again.processed.webp[240])) as image:
            assert image.size == (240, 180)
