"""Addresses the templates and mails build: photos, item pages, the public site's URLs."""

from flask import current_app, request, url_for


def photo_url(photo, thumb=False):
    """A stored photo's address (its thumbnail's with `thumb`), or None without a photo."""
    if photo is None:
        return None
    return url_for("media.photo", name=photo.thumb_filename if thumb else photo.filename)


def listing_url(listing_id):
    """An item page's address, built from the showcase's: one `url_for` per page, not per card."""
    cache = current_app.extensions.setdefault("showcase_urls", {})
    key = request.script_root
    if key not in cache:
        cache[key] = url_for("showcase.index")
    return f"{cache[key]}{int(listing_id)}"


def canonical_url(endpoint, **values):
    """The page's address on the public site (PUBLIC_URL), whatever host the request used."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def absolute_url(path):
    """A site path made absolute on the public site (PUBLIC_URL); None for no path."""
    if not path:
        return None
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def init_app(app):
    for helper in (photo_url, listing_url, canonical_url, absolute_url):
        app.add_template_global(helper)
