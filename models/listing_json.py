"""A listing as the store sees it: the one JSON document of the API's listings and of the events.

`listing_document` is what `GET /api/v1/listings/<id>` answers and what an
event's `listing` carries (the events add `status`). Its addresses are absolute
on the public site (`PUBLIC_URL`) and built from the app's own routes by
`SiteUrls`, so they match the pages exactly and need no request: an event is
built in whatever made the move (a request, a command, a worker).
"""

from decimal import Decimal

from flask import current_app


class SiteUrls:
    """Absolute addresses on the public site of an item page and a photo, from the app's routes.

    Make one per list (binding the routes once) and pass it to `listing_document`.
    """

    def __init__(self, app=None):
        app = app or current_app
        self._base = app.config["PUBLIC_URL"].rstrip("/")
        # Bound without a request: paths only, the host is PUBLIC_URL's.
        self._routes = app.url_map.bind("localhost")

    def _url(self, endpoint, **values):
        return self._base + self._routes.build(endpoint, values)

    def item(self, listing_id):
        return self._url("showcase.item", listing_id=int(listing_id))

    def photo(self, photo, thumb=False):
        if photo is None:
            return None
        return self._url("media.photo", name=photo.thumb_filename if thumb else photo.filename)


def iso_time(value):
    """A stored (naive UTC) time as ISO 8601 with `Z`, to the second; None stays None."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def listing_document(listing, urls=None, with_status=False, gallery=None):
    """The listing as JSON-ready dict: id, url, name, price, currency, quantity, photo_url,
    thumbnail_url, photos, published_at, product (and status with `with_status`).

    `listing` comes with its photo, order line and product joined
    (`Listing.with_related()`, `Listing.get_with_related(id)`); `urls` is a
    `SiteUrls` (one is made when not given); `gallery` its Photo rows in order
    (`listings.galleries`, read in one query for a list; read here when not given).
    """
    urls = urls or SiteUrls()
    if gallery is None:
        from .listings import ListingPhoto

        gallery = ListingPhoto.photos_of(listing)
    photo = listing.shown_photo
    product = listing.order_line.product
    document = {
        "id": listing.id,
        "url": urls.item(listing.id),
        "name": listing.name,
        # A decimal string with two places on both databases ("1500.00"), never a float.
        "price": f"{Decimal(listing.price):.2f}",
        "currency": current_app.config["CURRENCY"],
        "quantity": listing.quantity,
        "photo_url": urls.photo(photo),
        "thumbnail_url": urls.photo(photo, thumb=True),
        # The seller's own photos, main first (the store's photo is never among them).
        "photos": [urls.photo(p) for p in gallery],
        "published_at": iso_time(listing.published_at),
        # The store's own id of the product; products the store never sent (the demo's) have none.
        "product": getattr(product, "external_id", None),
    }
    if with_status:
        document["status"] = listing.status
    return document
