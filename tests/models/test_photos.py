"""The photo pipeline on generated images: what is accepted, what is refused, what is stripped."""

import io
import os

import pytest
from PIL import Image

from models import Listing, Photo, lifecycle
from models.errors import DomainError
from models.listing_input import ListingData
from models.photos import MAX_BYTES, PhotoError, all_filenames, process_image
from tests.conftest import image_bytes


def opened(data):
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize(
    "fmt, name, stored",
    [("JPEG", "a.jpg", "JPEG"), ("PNG", "a.png", "PNG"), ("WEBP", "a.webp", "WEBP"), ("GIF", "a.gif", "PNG")],
)
def test_accepted_formats_are_reencoded_with_a_thumbnail(fmt, name, stored):
    result = process_image(image_bytes(fmt, size=(2400, 1200)), name)
    display, thumb = opened(result.display), opened(result.thumb)
    assert display.format == stored and thumb.format == stored
    assert display.size == (1600, 800) and (result.width, result.height) == (1600, 800)
    assert max(thumb.size) <= 480


def test_content_decides_the_type_not_the_name():
    result = process_image(image_bytes("PNG"), "holiday.jpg")
    assert result.ext == "png"


@pytest.mark.parametrize("name", ["photo.exe", "photo.svg", "photo.html", "photo.pdf"])
def test_wrong_extension_is_refused(name):
    with pytest.raises(PhotoError, match="Only JPEG, PNG, WebP or GIF"):
        process_image(image_bytes("PNG"), name)


def test_non_image_is_refused():
    with pytest.raises(PhotoError, match="not a JPEG, PNG, WebP or GIF"):
        process_image(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "a.png")


def test_other_image_formats_are_not_decoded():
    with pytest.raises(PhotoError, match="not a JPEG, PNG, WebP or GIF"):
        process_image(image_bytes("BMP"), "a.png")


def test_truncated_jpeg_is_refused():
    data = image_bytes("JPEG", size=(800, 600), quality=95)
    with pytest.raises(PhotoError, match="damaged or incomplete"):
        process_image(data[: len(data) // 2], "a.jpg")


def test_over_40_megapixels_is_refused_before_decoding():
    # 48 MP of one colour compresses to a few KB: only the header says how big it is.
    with pytest.raises(PhotoError, match="40 megapixels"):
        process_image(image_bytes("PNG", size=(8000, 6000)), "big.png")


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (15000, 15000)).save(out, "PNG")  # 225 MP, Pillow's own bomb limit
    with pytest.raises(PhotoError, match="40 megapixels"):
        process_image(out.getvalue(), "bomb.png")


def test_over_10_mb_is_refused():
    with pytest.raises(PhotoError, match="10 MB"):
        process_image(b"\xff\xd8" + b"\0" * MAX_BYTES, "a.jpg")


def test_exif_and_gps_are_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (55.0, 45.0, 0.0)
    data = image_bytes("JPEG", exif=exif.tobytes())
    assert opened(data).getexif().get_ifd(0x8825)  # the input really has GPS
    result = process_image(data, "a.jpg")
    for encoded in (result.display, result.thumb):
        assert not opened(encoded).getexif()
        assert b"SpyCam" not in encoded


def test_orientation_is_applied():
    img = Image.new("RGB", (200, 100), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 100, 100))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    result = opened(process_image(out.getvalue(), "a.jpg").display).convert("RGB")
    assert result.size == (100, 200)
    top, bottom = result.getpixel((50, 20)), result.getpixel((50, 180))
    assert top[0] > 200 and top[2] < 60, top  # the red half is now on top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_large_jpeg_is_scaled_down():
    result = process_image(image_bytes("JPEG", size=(4000, 3000)), "a.jpg")
    assert (result.width, result.height) == (1600, 1200)


@pytest.fixture
def seller(make_user):
    return make_user(username="seller")


def uploads(app):
    return sorted(os.listdir(app.config["UPLOAD_DIR"]))


def test_listing_row_and_files_appear_together(app, seller, make_completed_line):
    line = make_completed_line(seller)
    photo = process_image(image_bytes("JPEG"), "a.jpg")
    data = ListingData(name="Coat", description="Call me", price="100", quantity=1)
    listing = lifecycle.put_up_for_sale(seller, line.id, data, photo=photo)
    stored = Photo.get_by_id(Listing.get_by_id(listing.id).photo_id)
    assert uploads(app) == sorted(all_filenames(stored.stem, stored.ext))
    assert not any(name.endswith(".tmp") for name in uploads(app))


def test_failed_put_up_leaves_no_files(app, seller, make_completed_line):
    line = make_completed_line(seller, quantity=1)
    photo = process_image(image_bytes("JPEG"), "a.jpg")
    data = ListingData(name="Coat", description="Call me", price="100", quantity=2)
    with pytest.raises(DomainError):
        lifecycle.put_up_for_sale(seller, line.id, data, photo=photo)
    assert uploads(app) == []
    assert Photo.select().count() == 0


def test_crash_inside_the_transaction_removes_the_files(app, seller, make_completed_line, monkeypatch):
    line = make_completed_line(seller)
    photo = process_image(image_bytes("JPEG"), "a.jpg")

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(lifecycle, "_record", crash)
    data = ListingData(name="Coat", description="Call me", price="100", quantity=1)
    with pytest.raises(RuntimeError):
        lifecycle.put_up_for_sale(seller, line.id, data, photo=photo)
    assert uploads(app) == []
    assert Listing.select().count() == 0 and Photo.select().count() == 0


def test_replacing_a_photo_deletes_the_old_files(app, seller, make_listing):
    listing = make_listing(seller, photo=process_image(image_bytes("JPEG"), "a.jpg"))
    old = Photo.get_by_id(listing.photo_id)
    data = ListingData(name="Coat", description="Call me", price="100", quantity=1)
    new_photo = process_image(image_bytes("PNG", color=(0, 200, 0)), "b.png")
    edited = lifecycle.edit_listing(seller, listing.id, data, photo=new_photo)
    new = Photo.get_by_id(edited.photo_id)
    assert uploads(app) == sorted(all_filenames(new.stem, new.ext))
    assert Photo.get_or_none(Photo.id == old.id) is None
