"""Serving stored photos, by their random name, with the right access rule."""

import os
import re

from flask import Blueprint, abort, send_file
from flask_security import current_user

from models import Listing, Photo, Product
from models.photos import file_path

bp = Blueprint("media", __name__)

NAME_RE = re.compile(r"^([0-9a-f]{32})(\.thumb)?\.(jpg|png|webp)$")


def photo_is_public(photo):
    """A photo is public when a product or an approved listing shows it."""
    return (
        Product.select().where(Product.photo == photo.id).exists()
        or Listing.select().where((Listing.photo == photo.id) & Listing.public_condition()).exists()
    )


def may_see_private(photo):
    """Photos of listings that are not public: their uploader and admins only."""
    return current_user.is_authenticated and (photo.uploaded_by_id == current_user.id or current_user.has_role("admin"))


@bp.get("/media/<name>")
def photo(name):
    match = NAME_RE.match(name)
    if not match:
        abort(404)
    stem, thumb, ext = match.groups()
    photo = Photo.get_or_none((Photo.stem == stem) & (Photo.ext == ext))
    if photo is None:
        abort(404)
    public = photo_is_public(photo)
    if not public and not may_see_private(photo):
        abort(404)
    # The path comes from the database row, never from the request.
    path = file_path(photo, thumb=bool(thumb))
    if not os.path.exists(path):
        abort(404)
    response = send_file(path, mimetype=photo.content_type, max_age=86400 if public else 0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not public:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response
