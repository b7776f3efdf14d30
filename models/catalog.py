"""The read side of the showcase: what a visitor can find, counted, paged and carded.

Built to cost the same at 100,000 listings as at 1,000:

* no full `COUNT` per request: the number of matching listings (for the page
  numbers) is kept for `SHOWCASE_COUNT_TTL` seconds per filter and catalog version; whether a next
  page exists is told by fetching one row more than a page, so "Next" is never
  stale;
* a deferred join: the page's ids are read with `OFFSET` from the covering index
  on (status, published_at, id) (or (status, price, id)), then only those rows
  are loaded in one lean query;
* deep pages start from a remembered keyset position instead of an ever larger
  `OFFSET`;
* a fixed number of queries per page, whatever its size.

What is public is decided once, by `Listing.public_condition()`. Views read the
request, call these functions and render what they return.
"""

import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from peewee import JOIN, Tuple, fn

from . import catalog_version
from ._sql import CompiledQuery, rows_by_index, rows_by_rowid
from .comments import Comment
from .listings import Listing, ListingPhoto, ListingStatus
from .orders import OrderLine, Product
from .photos import Photo, PhotoName
from .reports import Report
from .search import count_matches, matching_ids

SORTS = {
    "new": (Listing.published_at.desc(), Listing.id.desc()),
    "price": (Listing.price.asc(), Listing.id.asc()),
    "-price": (Listing.price.desc(), Listing.id.desc()),
}
# The index each order is read from (Listing.Meta.indexes).
SORT_INDEXES = {
    "new": "listing_status_published_at_id",
    "price": "listing_status_price_id",
    "-price": "listing_status_price_id",
}
MAX_QUERY = 200
PRICE_LIMIT = Decimal("99999999.99")

# The caches are per app and bounded: past this many entries one is emptied.
MAX_COUNTS = 2000
MAX_ANCHORS = 500


def public_condition():
    """The condition of `Listing.public()` alone, for queries that need no joined rows."""
    return Listing.public_condition()


# ---------------------------------------------------------------- filters


@dataclass
class Filters:
    """What a visitor asked the showcase for: words, a price range, an order."""

    q: str = ""
    sort: str = "new"
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args):
        """Filters from a query-string mapping (`q`, `min`, `max`, `sort`); bad prices land in `errors`."""
        filters = cls(q=" ".join((args.get("q") or "").split())[:MAX_QUERY])
        sort = args.get("sort", "new")
        filters.sort = sort if sort in SORTS else "new"
        filters.price_min = filters._price(args, "min")
        filters.price_max = filters._price(args, "max")
        if filters.price_min is not None and filters.price_max is not None and filters.price_min > filters.price_max:
            filters.price_min, filters.price_max = filters.price_max, filters.price_min
        return filters

    def _price(self, args, name):
        raw = (args.get(name) or "").strip().replace(",", ".").replace(" ", "")
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or value > PRICE_LIMIT:
            self.errors[name] = _("Enter an amount such as 1500.")
            return None
        return value.quantize(Decimal("0.01"))

    @property
    def searching(self):
        return bool(self.q)

    @property
    def priced(self):
        return self.price_min is not None or self.price_max is not None

    @property
    def narrowed(self):
        return self.searching or self.priced

    def conditions(self):
        """The WHERE conditions: public, matching the words, within the price range."""
        conds = [public_condition()]
        ids = matching_ids(self.q)
        if ids is not None:
            conds.append(Listing.id.in_(ids))
        elif self.q:
            # Only punctuation: nothing can match.
            conds.append(Listing.id < 0)
        if self.price_min is not None:
            conds.append(Listing.price >= self.price_min)
        if self.price_max is not None:
            conds.append(Listing.price <= self.price_max)
        return conds

    def args(self, **override):
        """Query-string arguments for links to other pages of the same result."""
        values = {
            "q": self.q or None,
            "min": _plain(self.price_min),
            "max": _plain(self.price_max),
            "sort": self.sort if self.sort != "new" else None,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "", 1) or (k == "page" and v not in (None, 1))}

    def key(self):
        """What the count depends on (not the order): the caches' key."""
        return (self.q.lower(), self.price_min, self.price_max)


def _plain(value):
    if value is None:
        return None
    text = format(value, "f")
    return text[:-3] if text.endswith(".00") else text


# ---------------------------------------------------------------- counting


def _ttl():
    return current_app.config["SHOWCASE_COUNT_TTL"]


def count(filters):
    """How many listings match, remembered for `SHOWCASE_COUNT_TTL` seconds while the
    catalog version stays (so a move is counted on the very next page)."""
    ttl = _ttl()
    cache = current_app.extensions.setdefault("showcase_counts", {})
    key = (catalog_version.for_request(), filters.key())
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    # SQLite's search index holds the public listings only: its count is the answer.
    total = count_matches(filters.q) if filters.searching and not filters.priced else None
    if total is None:
        query = Listing.select(fn.COUNT(Listing.id).alias("n")).where(*filters.conditions()).namedtuples()
        if filters.searching:
            # Counting the matches costs what the matches are, not the whole catalog.
            total = rows_by_rowid(query)[0].n or 0
        else:
            total = query.scalar() or 0
    if len(cache) > MAX_COUNTS:
        cache.clear()
    cache[key] = (now, total)
    return total


def few_matches(filters, page, size, total):
    """Whether a search should read its matches first (and sort them) rather than walk
    the sort order's index probing each entry. Measured on SQLite at 100,000 listings:
    reading costs about 2 µs a match (a row lookup, then the sort); walking costs about
    0.25 µs a match (the matches are gathered once to probe against) plus 0.1 µs an
    entry passed before the page is full, about (page end) x catalog / matches. So
    reading wins while 17 x matches² <= (page end) x catalog: below about 370 matches
    for page 1 of 90,000."""
    if not filters.searching or total is None:
        return False
    catalog = count(Filters())
    return 17 * total * total <= (page * size + 1) * max(catalog, 1)


# ---------------------------------------------------------------- cards


def _cards_query(ids):
    product_photo = Photo.alias("product_photo")
    return (
        Listing.select(
            Listing.id,
            Listing.name,
            Listing.price,
            Listing.status,
            Photo.stem.alias("own_stem"),
            Photo.ext.alias("own_ext"),
            Photo.width.alias("own_width"),
            Photo.height.alias("own_height"),
            product_photo.stem.alias("product_stem"),
            product_photo.ext.alias("product_ext"),
            product_photo.width.alias("product_width"),
            product_photo.height.alias("product_height"),
        )
        .join(Photo, JOIN.LEFT_OUTER, on=(Listing.photo == Photo.id))
        .switch(Listing)
        .join(OrderLine, on=(Listing.order_line == OrderLine.id))
        .join(Product, on=(OrderLine.product == Product.id))
        .join(product_photo, JOIN.LEFT_OUTER, on=(Product.photo == product_photo.id))
        .where(Listing.id.in_(ids))
        .namedtuples()
    )


# Its SQL is built once per page size: building it cost more than running it.
_cards = CompiledQuery(_cards_query)


@dataclass(frozen=True)
class Card:
    """What a listing card shows."""

    id: int
    name: str
    price: Decimal
    shown_photo: PhotoName | None


def cards(ids):
    """Cards (name, price, the seller's photo or else the product's, with its size) in the order of
    `ids`: one lean query.

    Only the columns a card needs, read as named rows rather than model objects:
    building seven model instances per listing was most of a showcase page's
    cost. A listing that left the showcase since its id was read is dropped.
    """
    if not ids:
        return []
    by_id = {}
    for row in _cards(list(ids)):
        if not ListingStatus.is_public(row.status):
            continue
        if row.own_stem:
            photo = PhotoName(row.own_stem, row.own_ext, row.own_width, row.own_height)
        elif row.product_stem:
            photo = PhotoName(row.product_stem, row.product_ext, row.product_width, row.product_height)
        else:
            photo = None
        by_id[row.id] = Card(row.id, row.name, Decimal(str(row.price)), photo)
    return [by_id[i] for i in ids if i in by_id]


def public_listings(ids):
    """Public listings with everything a page shows, in the order of `ids`: one query.

    The ids come from a query filtered by `public_condition()`; the rows are read
    by primary key alone, because with the status condition repeated SQLite
    (without statistics) walks the whole status index instead of looking the
    ids up. `is_public` drops a listing that left the showcase in between.
    """
    return [listing for listing in listings_by_ids(ids) if listing.is_public]


def listings_by_ids(ids):
    """These listings with their related rows, in the order of `ids`, whatever their status."""
    return Listing.page_rows(ids)


# ---------------------------------------------------------------- pages

# Deep pages: where a page started is remembered for a short while, so the next
# request for it (or for a page shortly after) starts from there with a keyset
# condition instead of stepping over every earlier row with OFFSET.
ANCHOR_KEYS = {
    "new": (Listing.published_at, Listing.id),
    "price": (Listing.price, Listing.id),
    "-price": (Listing.price, Listing.id),
}
DEEP_PAGE = 10


def _from_anchor(sort, anchor):
    """The rows at or after `anchor` (the first row of an earlier page) in this sort order.

    A row-value comparison, which both databases read as a range of the sort's index
    (the same test spelled with OR made them scan it)."""
    first, second = ANCHOR_KEYS[sort]
    keys, values = Tuple(first, second), Tuple(*anchor)
    return keys >= values if sort == "price" else keys <= values


def anchors(filters, size):
    """{page: (sort key, id) of its first row} remembered for these filters, order and page
    size, while the catalog version stays (a move shifts every page after it)."""
    ttl = _ttl()
    cache = current_app.extensions.setdefault("showcase_anchors", {})
    if len(cache) > MAX_ANCHORS:
        cache.clear()
    key = (catalog_version.for_request(), filters.key(), filters.sort, size)
    entry = cache.get(key)
    now = time.monotonic()
    if entry is None or now - entry[0] > ttl:
        entry = cache[key] = (now, {})
    return entry[1]


def page_ids(filters, page, size, total=None):
    """Ids of the page's listings and of one more (so the caller knows whether a next page exists)."""
    conditions = list(filters.conditions())
    offset = (page - 1) * size
    positions = None
    columns = [Listing.id]
    if page > DEEP_PAGE and not filters.searching:
        positions = anchors(filters, size)
        columns = [Listing.id, ANCHOR_KEYS[filters.sort][0].alias("sort_key")]
        start = max((p for p in positions if p <= page), default=None)
        if start is not None:
            conditions.append(_from_anchor(filters.sort, positions[start]))
            offset = (page - start) * size
    query = (
        Listing.select(*columns)
        .where(*conditions)
        .order_by(*SORTS[filters.sort])
        .limit(size + 1)
        .offset(offset)
        .namedtuples()
    )
    if few_matches(filters, page, size, total):
        rows = rows_by_rowid(query)
    elif filters.searching:
        rows = rows_by_index(query, SORT_INDEXES[filters.sort])
    else:
        rows = list(query)
    if positions is not None and rows:
        positions[page] = (rows[0].sort_key, rows[0].id)
    return [row.id for row in rows]


def page_of(filters, page, size, total=None):
    """(cards of the page, whether there is a next page): ids first, then the rows."""
    ids = page_ids(filters, page, size, total)
    return cards(ids[:size]), len(ids) > size


def store_page(q, product_external_id, page, size):
    """The store's read API: (public listings of the page, newest first, with their related
    rows; whether a next page exists). Optionally only those of one product (its
    `external_id`). A fixed number of queries whatever the page's size."""
    filters = Filters.from_args({"q": q or ""})
    conditions = filters.conditions()
    if product_external_id is not None:
        lines = OrderLine.select(OrderLine.id).join(Product).where(Product.external_id == product_external_id)
        conditions.append(Listing.order_line.in_(lines))
    query = (
        Listing.select(Listing.id)
        .where(*conditions)
        .order_by(*SORTS["new"])
        .limit(size + 1)
        .offset((page - 1) * size)
        .namedtuples()
    )
    ids = [row.id for row in query]
    return public_listings(ids[:size]), len(ids) > size


def newest_ids(limit):
    """Ids of the newest public listings."""
    query = Listing.select(Listing.id).where(public_condition()).order_by(*SORTS["new"]).limit(limit).namedtuples()
    return [row.id for row in query]


def page_numbers(page, last, around=2):
    """Page numbers to link, with None for a gap: 1 … 4 5 [6] 7 8 … 40."""
    shown = {1, last, *range(max(1, page - around), min(last, page + around) + 1)}
    numbers, previous = [], 0
    for number in sorted(n for n in shown if n >= 1):
        if number - previous > 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers


def sitemap_entries(first_id, last_id):
    """(id, updated_at) of public listings with ids in [first_id, last_id], by id."""
    query = (
        Listing.select(Listing.id, Listing.updated_at)
        .where(public_condition() & Listing.id.between(first_id, last_id))
        .order_by(Listing.id)
        .namedtuples()
    )
    # A range of the primary key: one short scan, not a walk of the status index.
    return rows_by_rowid(query)


def max_listing_id():
    """The highest listing id in use (0 without listings): how many sitemap chunks there are."""
    return Listing.select(fn.MAX(Listing.id)).scalar() or 0


# ---------------------------------------------------------------- item and product pages


def may_see(listing, user):
    """Whether `user` may see this listing's page (public, or theirs, or they are an admin)."""
    return listing.visible_to(user)


@dataclass
class ItemPage:
    """What an item page shows besides the forms' own input."""

    listing: Listing
    photos: list
    # The product's photo from the store, shown (labelled as the store's) when the seller has none.
    store_photo: Photo | None
    threads: list
    comment_count: int
    reported: set
    admin_reports: list | None


def item_page(listing, viewer):
    """The item page's data for `viewer` (a user or an anonymous visitor): photos, comment
    threads, the reasons the viewer already reported it for, and all reports for admins."""
    threads = Comment.threads(listing)
    reported = set()
    admin_reports = None
    if viewer is not None and viewer.is_authenticated:
        reported = Report.reasons_of(viewer, listing.id)
        if viewer.has_role("admin"):
            admin_reports = list(Report.for_listing(listing.id))
    # The seller's photos, main first; the store's only when the seller has none.
    photos = ListingPhoto.photos_of(listing)
    store_photo = None if photos else _product_photo(listing)
    # Hidden comments are shown as such but not counted.
    comment_count = sum(
        (0 if c.is_deleted or c.is_hidden else 1) + sum(not r.is_hidden for r in replies) for c, replies in threads
    )
    return ItemPage(listing, photos, store_photo, threads, comment_count, reported, admin_reports)


def _product_photo(listing):
    product = listing.order_line.product
    return getattr(product, "product_photo", None) if product.photo_id else None


def product(product_id):
    """A product of the store with its photo, or None."""
    return (
        Product.select(Product, Photo)
        .join(Photo, on=(Product.photo == Photo.id), join_type=JOIN.LEFT_OUTER)
        .where(Product.id == product_id)
        .get_or_none()
    )


# ---------------------------------------------------------------- photos


def photo_is_public(photo):
    """A photo is public when a product or a public listing shows it (as its main photo or in
    its gallery: the same places as `listings.photo_in_use`)."""
    in_gallery = ListingPhoto.select(ListingPhoto.listing).where(ListingPhoto.photo == photo.id)
    return (
        Product.select().where(Product.photo == photo.id).exists()
        or Listing.select()
        .where(((Listing.photo == photo.id) | Listing.id.in_(in_gallery)) & Listing.public_condition())
        .exists()
    )


def may_see_private_photo(photo, user):
    """Photos that are not public: their uploader and admins only."""
    return bool(
        user is not None and user.is_authenticated and (photo.uploaded_by_id == user.id or user.has_role("admin"))
    )
