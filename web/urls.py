"""Addresses the templates and mails build: photos, item pages, the public site's URLs; ids in them.

Every id the app stores is a 64-bit signed integer on both databases. An id past
that (`/pristroy/99999999999999999999999`) names nothing, so it is a 404 in the
URL converter (`IdConverter`, the app's `int`) and `None` from `parse_id` for
query and form values, before SQLite (OverflowError) or PostgreSQL ("out of
range") would see it.
"""

import os

from flask import current_app, request, url_for
from werkzeug.routing import IntegerConverter

# The largest value of a BIGINT / SQLite INTEGER: the end of every id column.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` for ids: digits only, at most MAX_ID; anything larger does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value):
    """An id from a query or form value (`"42"`), or None for anything that can't be a stored id."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _media_prefix():
    """`/media/`, from one url_for per worker and script root (stored names need no quoting)."""
    cache = current_app.extensions.setdefault("media_urls", {})
    key = request.script_root if request else ""
    if key not in cache:
        cache[key] = url_for("media.photo", name="_")[:-1]
    return cache[key]


def photo_url(photo, thumb=False, webp=None):
    """A stored photo's address (its thumbnail's with `thumb`, its WebP copy fitting the `webp`
    box, one of models.photos.WEBP_BOXES), or None without a photo."""
    if photo is None:
        return None
    if webp is not None:
        name = photo.webp_filename(webp)
    else:
        name = photo.thumb_filename if thumb else photo.filename
    return _media_prefix() + name


def photo_srcset(photo, largest=None):
    """A `srcset` of the photo's WebP copies up to the `largest` box (`/media/….w240.webp 240w, …`),
    or "" when the photo's size is not known."""
    if photo is None:
        return ""
    prefix = _media_prefix()
    return ", ".join(f"{prefix}{photo.webp_filename(box)} {width}w" for box, width, _h in photo.webp_sizes(largest))


# The `sizes` of images in `srcset` (templates/_macros.html listing_img), by layout: how wide
# the page's CSS shows them (static/css/public.css). Kept beside the CSS rules they follow.
IMAGE_SIZES = {
    # The card grid: two columns on a phone, three from 576 px, four from 992 px.
    "card": "(min-width: 1200px) 270px, (min-width: 992px) 22vw, (min-width: 576px) 31vw, 47vw",
    # The item page's main photo: half the container from 768 px (col-md-6), else the full width.
    "item": "(min-width: 1200px) 540px, (min-width: 768px) 46vw, 100vw",
}


def image_sizes(layout):
    """The `sizes` attribute for a layout of IMAGE_SIZES, or `layout` itself (`"72px"`)."""
    return IMAGE_SIZES.get(layout, layout)


def listing_url(listing_id):
    """An item page's address, built from the showcase's: one `url_for` per page, not per card."""
    cache = current_app.extensions.setdefault("showcase_urls", {})
    key = request.script_root
    if key not in cache:
        cache[key] = url_for("showcase.index")
    return f"{cache[key]}{int(listing_id)}"


def static_url(filename):
    """A file of static/ with its content's hash (`/static/css/app.css?v=1f2e3d4c5b`), built once
    per worker: a changed file gets a new address, so proxies and browsers may keep each for good."""
    cache = current_app.extensions.setdefault("static_urls", {})
    key = (request.script_root, filename)
    if key not in cache:
        from .static_files import file_hash

        version = file_hash(os.path.join(current_app.static_folder, filename))
        cache[key] = url_for("static", filename=filename, v=version)
    return cache[key]


def canonical_url(endpoint, **values):
    """The page's address on the public site (PUBLIC_URL), whatever host the request used."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def absolute_url(path):
    """A site path made absolute on the public site (PUBLIC_URL); None for no path."""
    if not path:
        return None
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def init_app(app):
    """Make `IdConverter` the app's `int` (before any blueprint adds a rule) and add the URL helpers."""
    app.url_map.converters["int"] = IdConverter
    for helper in (photo_url, photo_srcset, image_sizes, listing_url, static_url, canonical_url, absolute_url):
        app.add_template_global(helper)
