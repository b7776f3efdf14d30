"""PHOTOS_ACCEL_PREFIX: the app still decides who sees a photo; nginx only carries the file."""

import os

import pytest

from models import ListingStatus


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PHOTOS_ACCEL_PREFIX": "/_photos/"}


@pytest.fixture
def photo_of(make_listing, jpeg_bytes):
    from models.photos import process_image

    def _make(user, status, admin=None):
        return make_listing(user, status, admin=admin, photo=process_image(jpeg_bytes, "coat.jpg")).photo

    return _make


def test_a_public_photo_is_handed_to_nginx_with_public_cache_headers(client, alice, admin, photo_of):
    photo = photo_of(alice, ListingStatus.APPROVED, admin)
    for name in (photo.filename, photo.thumb_filename):
        response = client.get(f"/media/{name}")
        assert response.status_code == 200
        assert response.headers["X-Accel-Redirect"] == f"/_photos/{name}"
        assert response.data == b""  # the bytes come from nginx, not from a worker
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.cache_control.public and response.cache_control.max_age == 86400


def test_a_photo_on_moderation_goes_to_its_owner_and_admins_only(client, login_as, alice, bob, admin, photo_of):
    photo = photo_of(alice, ListingStatus.MODERATION)
    url = f"/media/{photo.filename}"
    anonymous = client.get(url)
    assert anonymous.status_code == 404 and "X-Accel-Redirect" not in anonymous.headers
    login_as(bob)
    refused = client.get(url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused.headers
    for user in (alice, admin):
        login_as(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["X-Accel-Redirect"] == f"/_photos/{photo.filename}"
        assert response.cache_control.private and response.cache_control.no_store
        assert not response.cache_control.public


def test_a_missing_file_is_a_404_from_the_app(client, alice, admin, photo_of, app):
    from models.photos import file_path

    photo = photo_of(alice, ListingStatus.APPROVED, admin)
    os.unlink(file_path(photo))
    response = client.get(f"/media/{photo.filename}")
    assert response.status_code == 404 and "X-Accel-Redirect" not in response.headers


def test_stored_photos_get_the_mode_the_umask_gives_so_nginx_can_read_them(app, jpeg_bytes):
    """mkstemp alone makes 0600 files, which nginx (another user, in the app's group) can't send."""
    import stat

    from models import photos

    umask = os.umask(0o022)
    os.umask(umask)
    assert photos.FILE_MODE == 0o666 & ~umask
    stem = photos.write_files(photos.process_image(jpeg_bytes, "coat.jpg"))
    for name in (f"{stem}.jpg", f"{stem}.thumb.jpg"):
        mode = stat.S_IMODE(os.stat(os.path.join(app.config["UPLOAD_DIR"], name)).st_mode)
        assert mode == photos.FILE_MODE and mode & stat.S_IRGRP
