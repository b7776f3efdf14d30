"""The public side: the home page's collection, the showcase, item pages and product pages.

Built to cost the same at 100,000 listings as at 1,000:

* no full `COUNT` per request: the number of matching listings (for the page
  numbers) is kept for `SHOWCASE_COUNT_TTL` seconds per filter; whether a next
  page exists is told by fetching one row more than a page, so "Next" is never
  stale;
* a deferred join: the page's ids are read with `OFFSET` from the covering index
  on (status, published_at, id) (or (status, price, id)), then only those rows
  are loaded with their owner, photo, order and product in one query;
* a fixed number of queries per page, whatever its size.

What is public is decided once, by `Listing.public()`.
"""

import math
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from peewee import JOIN, Tuple, fn

from models import Listing, ListingStatus, OrderLine, Photo, Product
from models.comments import Comment
from models.db import CompiledQuery
from models.photos import PhotoName
from models.reports import Report, ReportReason
from models.search import matching_ids, rows_by_rowid

from .text import excerpt, linkify

bp = Blueprint("showcase", __name__)

SORTS = {
    "new": (Listing.published_at.desc(), Listing.id.desc()),
    "price": (Listing.price.asc(), Listing.id.asc()),
    "-price": (Listing.price.desc(), Listing.id.desc()),
}
SORT_LABELS = {"new": _l("Newest first"), "price": _l("Cheapest first"), "-price": _l("Most expensive first")}
MAX_PAGE = 100_000
MAX_QUERY = 200
PRICE_LIMIT = Decimal("99999999.99")


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
    def narrowed(self):
        return bool(self.q) or self.price_min is not None or self.price_max is not None

    def conditions(self):
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
        return (self.q.lower(), self.price_min, self.price_max)


def _plain(value):
    if value is None:
        return None
    text = format(value, "f")
    return text[:-3] if text.endswith(".00") else text


# ---------------------------------------------------------------- queries


def approved_count(filters):
    """How many listings match, remembered for a short while (page numbers only)."""
    ttl = current_app.config.get("SHOWCASE_COUNT_TTL", 30)
    cache = current_app.extensions.setdefault("showcase_counts", {})
    key = filters.key()
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    query = Listing.select(fn.COUNT(Listing.id)).where(*filters.conditions())
    if filters.searching:
        # Counting the matches costs what the matches are, not the whole catalog.
        count = rows_by_rowid(query)[0][0] or 0
    else:
        count = query.scalar() or 0
    if len(cache) > 2000:
        cache.clear()
    cache[key] = (now, count)
    return count


def load_listings(ids):
    """Listings with everything a card or page shows, in the order of `ids`: one query.

    The ids come from a query filtered by `public_condition()`; the rows are read
    by primary key alone, because with the status condition repeated SQLite
    (without statistics) walks the whole status index instead of looking the
    ids up. `is_public` drops a listing that left the showcase in between.
    """
    if not ids:
        return []
    rows = {listing.id: listing for listing in Listing.with_related().where(Listing.id.in_(ids))}
    return [rows[i] for i in ids if i in rows and rows[i].is_public]


def _few_matches(filters, page, size, total):
    """Whether a search should read its matches first (and sort them) rather than walk
    the sort order's index probing each entry: reading costs about the matches (a row
    lookup is ~3 index steps); walking costs the entries passed before the page is
    full, about (page end) x catalog / matches."""
    if not filters.searching or total is None:
        return False
    catalog = approved_count(Filters())
    return 3 * total * total <= (page * size + 1) * max(catalog, 1)


def _cards_query(ids):
    product_photo = Photo.alias("product_photo")
    return (
        Listing.select(
            Listing.id,
            Listing.name,
            Listing.price,
            Listing.status,
            Listing.photo,
            Listing.order_line,
            Photo.id,
            Photo.stem,
            Photo.ext,
            OrderLine.id,
            OrderLine.product,
            Product.id,
            Product.photo,
            product_photo.id,
            product_photo.stem,
            product_photo.ext,
        )
        .join(Photo, JOIN.LEFT_OUTER, on=(Listing.photo == Photo.id))
        .switch(Listing)
        .join(OrderLine, on=(Listing.order_line == OrderLine.id))
        .join(Product, on=(OrderLine.product == Product.id))
        .join(product_photo, JOIN.LEFT_OUTER, on=(Product.photo == product_photo.id), attr="product_photo")
        .where(Listing.id.in_(ids))
        .tuples()
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


def load_cards(ids):
    """Cards (name, price, the seller's photo or else the product's) in the order of `ids`: one lean query.

    Only the columns a card needs, read as plain tuples: turning seven whole rows
    per listing into model objects was most of a showcase page's cost. A listing
    that left the showcase since its id was read is dropped.
    """
    if not ids:
        return []
    cards = {}
    for row in _cards(list(ids)):
        listing_id, name, price, status = row[0], row[1], row[2], row[3]
        if not ListingStatus.is_public(status):
            continue
        own_stem, own_ext, product_stem, product_ext = row[7], row[8], row[14], row[15]
        if own_stem:
            photo = PhotoName(own_stem, own_ext)
        else:
            photo = PhotoName(product_stem, product_ext) if product_stem else None
        cards[listing_id] = Card(listing_id, name, Decimal(str(price)), photo)
    return [cards[i] for i in ids if i in cards]


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


def _anchors(filters, size):
    ttl = current_app.config.get("SHOWCASE_COUNT_TTL", 30)
    cache = current_app.extensions.setdefault("showcase_anchors", {})
    if len(cache) > 500:
        cache.clear()
    entry = cache.get((filters.key(), filters.sort, size))
    now = time.monotonic()
    if entry is None or now - entry[0] > ttl:
        entry = cache[(filters.key(), filters.sort, size)] = (now, {})
    return entry[1]


def page_of(filters, page, size, total=None):
    """(listings of the page, whether there is a next page): ids first, then the rows."""
    conditions = list(filters.conditions())
    offset = (page - 1) * size
    anchors = None
    columns = [Listing.id]
    if page > DEEP_PAGE and not filters.searching:
        anchors = _anchors(filters, size)
        columns = [Listing.id, ANCHOR_KEYS[filters.sort][0]]
        start = max((p for p in anchors if p <= page), default=None)
        if start is not None:
            conditions.append(_from_anchor(filters.sort, anchors[start]))
            offset = (page - start) * size
    query = Listing.select(*columns).where(*conditions).order_by(*SORTS[filters.sort]).limit(size + 1).offset(offset)
    if _few_matches(filters, page, size, total):
        rows = list(rows_by_rowid(query))
    else:
        rows = list(query.tuples())
    if anchors is not None and rows:
        anchors[page] = (rows[0][1], rows[0][0])
    ids = [row[0] for row in rows]
    return load_cards(ids[:size]), len(ids) > size


def newest_ids(limit):
    """Ids of the newest public listings."""
    return [
        i for (i,) in Listing.select(Listing.id).where(public_condition()).order_by(*SORTS["new"]).limit(limit).tuples()
    ]


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


# ---------------------------------------------------------------- template helpers


@bp.app_template_global()
def canonical_url(endpoint, **values):
    """The page's address on the public site (PUBLIC_URL), whatever host the request used."""
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    return base + url_for(endpoint, **values)


@bp.app_template_global()
def listing_url(listing_id):
    """An item page's address, built from the showcase's: one `url_for` per page, not per card."""
    cache = current_app.extensions.setdefault("showcase_urls", {})
    key = request.script_root
    if key not in cache:
        cache[key] = url_for("showcase.index")
    return f"{cache[key]}{int(listing_id)}"


@bp.app_template_global()
def absolute_url(path):
    if not path:
        return None
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path


@bp.app_template_filter("linkify")
def _linkify(text):
    return linkify(text)


@bp.app_template_filter("excerpt")
def _excerpt(text, length=160):
    return excerpt(text, length)


@bp.app_template_filter("month")
def _month(value):
    return format_date(value, "LLLL yyyy") if value else ""


# ---------------------------------------------------------------- pages


@bp.get("/")
def home():
    """The store's front page with the Flea market collection."""
    listings = load_cards(newest_ids(current_app.config["HOME_COLLECTION_SIZE"]))
    return render_template("public/home.html", listings=listings)


@bp.get("/pristroy/")
def index():
    """Approved listings, newest first (or by price), a page at a time, searchable."""
    filters = Filters.from_args(request.args)
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)
    size = current_app.config["SHOWCASE_PAGE_SIZE"]
    total = approved_count(filters)
    last = max(1, math.ceil(total / size))
    if page > last + 1:
        # Past the end even allowing for a stale count: nothing to read.
        listings, has_next = [], False
    else:
        listings, has_next = page_of(filters, page, size, total)
    if has_next and last <= page:
        last = page + 1  # the count is a little stale; the rows are not
    if not listings:
        has_next = False
    return render_template(
        "public/showcase.html",
        listings=listings,
        filters=filters,
        page=page,
        last_page=last,
        pages=page_numbers(page, last) if listings else [],
        has_next=has_next,
        total=total,
        sort_labels=SORT_LABELS,
        past_end=not listings and page > 1,
    )


def may_see_hidden(listing):
    """Owners and admins see their listings whatever the status."""
    return current_user.is_authenticated and (listing.owner_id == current_user.id or current_user.has_role("admin"))


def get_visible_listing(listing_id):
    """The listing for its item page, or the 404/410 a visitor gets instead."""
    listing = Listing.get_with_related(listing_id)
    if listing is None:
        abort(404)
    if not listing.is_public and not may_see_hidden(listing):
        if listing.status == ListingStatus.SOLD:
            # Sold: a short notice and none of the listing's details.
            abort(make_response(render_template("public/sold.html"), 410))
        abort(404)
    return listing


def render_item(listing, status=200, comment=None, report=None):
    """The item page; `comment` / `report` carry a form's input and error back to it."""
    threads = Comment.threads(listing)
    reported = set()
    admin_reports = None
    if current_user.is_authenticated:
        reported = Report.reasons_of(current_user, listing.id)
        if current_user.has_role("admin"):
            admin_reports = list(Report.for_listing(listing.id))
    photos = []
    for photo in (listing.photo if listing.photo_id else None, _product_photo(listing)):
        if photo is not None and all(p.id != photo.id for p in photos):
            photos.append(photo)
    return (
        render_template(
            "public/item.html",
            listing=listing,
            photos=photos,
            threads=threads,
            comment_count=sum((0 if c.is_deleted else 1) + len(replies) for c, replies in threads),
            comment=comment or {},
            report=report or {},
            reported=reported,
            report_reasons=ReportReason.LABELS,
            admin_reports=admin_reports,
            max_comment=current_app.config.get("COMMENT_MAX_LENGTH", 2000),
        ),
        status,
    )


def _product_photo(listing):
    product = listing.order_line.product
    return getattr(product, "product_photo", None) if product.photo_id else None


@bp.get("/pristroy/<int:listing_id>")
def item(listing_id):
    """An item page. Sold: 410; not public: 404, except for its owner and admins."""
    return render_item(get_visible_listing(listing_id))


@bp.get("/products/<int:product_id>")
def product(product_id):
    """A product of the store, as the item pages' "Bought in this store" links to it."""
    row = (
        Product.select(Product, Photo)
        .join(Photo, on=(Product.photo == Photo.id), join_type=JOIN.LEFT_OUTER)
        .where(Product.id == product_id)
        .get_or_none()
    )
    if row is None:
        abort(404)
    return render_template("public/product.html", product=row)
