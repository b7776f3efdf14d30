"""Serving stored photos, by their random name, with the right access rule.

Every request is checked here, public photo or not: whether a photo is public
changes with its listing's moderation, so a front server can't tell from the
address. Behind nginx (`PHOTOS_ACCEL_PREFIX`), the answer after the check is an
`X-Accel-Redirect` to an `internal` location, and nginx sends the file: a
worker spends two queries on a photo, never the transfer to a slow client.

A photo's WebP copies (`<stem>.w<box>.webp`) follow the same rule as its other files. A
photo stored before they existed has none until `check --fix` makes them: its thumbnail
(for the small boxes) or display file is sent under their names meanwhile, with its own
type, so pages may offer the copies of every photo.
"""

import os
import re

from flask import Blueprint, abort, current_app, make_response, send_file
from flask_security import current_user

from models import Photo, catalog
from models.photos import THUMB_BOX, WEBP_BOXES, file_path

bp = Blueprint("media", __name__)

NAME_RE = re.compile(r"^([0-9a-f]{32})(\.thumb)?\.(jpg|png|webp)$")
_BOXES = "|".join(str(box) for box in WEBP_BOXES)
WEBP_RE = re.compile(rf"^([0-9a-f]{{32}})\.w({_BOXES})\.webp$")


@bp.get("/media/<name>")
def photo(name):
    match = NAME_RE.match(name)
    webp = WEBP_RE.match(name) if not match else None
    if match:
        stem, thumb, ext = match.groups()
        photo = Photo.get_or_none((Photo.stem == stem) & (Photo.ext == ext))
    elif webp:
        stem, box = webp.group(1), int(webp.group(2))
        photo = Photo.get_or_none(Photo.stem == stem)
    else:
        abort(404)
    if photo is None:
        abort(404)
    public = catalog.photo_is_public(photo)
    if not public and not catalog.may_see_private_photo(photo, current_user):
        abort(404)
    # The path comes from the database row, never from the request.
    content_type = photo.content_type
    if webp:
        path = file_path(photo, webp=box)
        if os.path.exists(path):
            content_type = "image/webp"
        else:
            path = file_path(photo, thumb=box <= THUMB_BOX[0])
    else:
        path = file_path(photo, thumb=bool(thumb))
    if not os.path.exists(path):
        abort(404)
    accel_prefix = current_app.config["PHOTOS_ACCEL_PREFIX"]
    if accel_prefix:
        response = make_response("")
        response.headers["X-Accel-Redirect"] = f"{accel_prefix.rstrip('/')}/{os.path.basename(path)}"
        response.content_type = content_type
        if public:
            response.cache_control.public = True
            response.cache_control.max_age = 86400
    else:
        response = send_file(path, mimetype=content_type, max_age=86400 if public else 0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not public:
        response.cache_control.private = True
        response.cache_control.no_store = True
    return response
