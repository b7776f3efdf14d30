"""The public side: home page collection, the showcase and item pages."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_security import current_user

from models import Listing, ListingStatus

bp = Blueprint("showcase", __name__)

SORTS = {
    "new": (Listing.published_at.desc(), Listing.id.desc()),
    "price": (Listing.price.asc(), Listing.id.asc()),
    "-price": (Listing.price.desc(), Listing.id.desc()),
}


@bp.get("/")
def home():
    """The store's front page with the Flea market collection."""
    size = current_app.config["HOME_COLLECTION_SIZE"]
    listings = list(Listing.public().order_by(*SORTS["new"]).limit(size))
    return render_template("public/home.html", listings=listings)


@bp.get("/pristroy/")
def index():
    """Approved listings, newest first, a page at a time."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    sort = request.args.get("sort", "new")
    if sort not in SORTS:
        sort = "new"
    size = current_app.config["SHOWCASE_PAGE_SIZE"]
    query = Listing.public().order_by(*SORTS[sort])
    # One row more than a page tells whether there is a next page without counting.
    rows = list(query.paginate(page, size).limit(size + 1))
    has_next = len(rows) > size
    return render_template("public/showcase.html", listings=rows[:size], page=page, has_next=has_next, sort=sort)


@bp.get("/pristroy/<int:listing_id>")
def item(listing_id):
    """An item page. Sold: 410; not public: 404, except for its owner and admins."""
    listing = Listing.with_related().where(Listing.id == listing_id).get_or_none()
    if listing is None:
        abort(404)
    privileged = current_user.is_authenticated and (
        listing.owner_id == current_user.id or current_user.has_role("admin")
    )
    if not listing.is_public and not privileged:
        if listing.status == ListingStatus.SOLD:
            return render_template("public/sold.html"), 410
        abort(404)
    return render_template("public/item.html", listing=listing)
