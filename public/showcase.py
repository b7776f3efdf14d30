"""The public side: the home page's collection, the showcase, item pages and product pages.

The views read the request, ask `models.catalog` for what to show and render
it; how the showcase stays cheap at 100,000 listings is told there.
"""

import math

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from models import Listing, ListingStatus, catalog
from models.reports import ReportReason

from . import structured_data

bp = Blueprint("showcase", __name__)

SORT_LABELS = {"new": _l("Newest first"), "price": _l("Cheapest first"), "-price": _l("Most expensive first")}
MAX_PAGE = 100_000


# ---------------------------------------------------------------- pages


@bp.get("/")
def home():
    """The store's front page with the Flea market collection."""
    listings = catalog.cards(catalog.newest_ids(current_app.config["HOME_COLLECTION_SIZE"]))
    return render_template("public/home.html", listings=listings)


@bp.get("/pristroy/")
def index():
    """Approved listings, newest first (or by price), a page at a time, searchable."""
    filters = catalog.Filters.from_args(request.args)
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)
    size = current_app.config["SHOWCASE_PAGE_SIZE"]
    total = catalog.count(filters)
    last = max(1, math.ceil(total / size))
    if page > last + 1:
        # Past the end even allowing for a stale count: nothing to read.
        listings, has_next = [], False
    else:
        listings, has_next = catalog.page_of(filters, page, size, total)
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
        pages=catalog.page_numbers(page, last) if listings else [],
        has_next=has_next,
        total=total,
        sort_labels=SORT_LABELS,
        past_end=not listings and page > 1,
    )


def get_visible_listing(listing_id):
    """The listing for its item page, or the 404/410 a visitor gets instead."""
    listing = Listing.get_with_related(listing_id)
    if listing is None:
        abort(404)
    if not catalog.may_see(listing, current_user):
        if listing.status == ListingStatus.SOLD:
            # Sold: a short notice and none of the listing's details.
            abort(make_response(render_template("public/sold.html"), 410))
        abort(404)
    return listing


def render_item(listing, status=200, comment=None, report=None):
    """The item page; `comment` / `report` carry a form's input and error back to it."""
    data = catalog.item_page(listing, current_user)
    return (
        render_template(
            "public/item.html",
            listing=data.listing,
            photos=data.photos,
            store_photo=data.store_photo,
            threads=data.threads,
            comment_count=data.comment_count,
            comment=comment or {},
            report=report or {},
            reported=data.reported,
            report_reasons=ReportReason.LABELS,
            admin_reports=data.admin_reports,
            max_comment=current_app.config["COMMENT_MAX_LENGTH"],
            product_json_ld=structured_data.product(data.listing, data.photos, data.store_photo),
        ),
        status,
    )


@bp.get("/pristroy/<int:listing_id>")
def item(listing_id):
    """An item page. Sold: 410; not public: 404, except for its owner and admins."""
    return render_item(get_visible_listing(listing_id))


@bp.get("/products/<int:product_id>")
def product(product_id):
    """A product of the store, as the item pages' "Bought in this store" links to it."""
    row = catalog.product(product_id)
    if row is None:
        abort(404)
    return render_template("public/product.html", product=row)
