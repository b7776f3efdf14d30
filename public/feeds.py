"""Being found: `/sitemap.xml` with the public listings and an Atom feed of new ones."""

from flask import Blueprint, Response, abort, render_template
from peewee import fn

from models import Listing
from models.search import rows_by_rowid

from .showcase import canonical_url, load_listings, newest_ids, public_condition

bp = Blueprint("feeds", __name__)

# The sitemap protocol's limit of addresses per file.
SITEMAP_CHUNK = 50_000
FEED_SIZE = 50


def _listing_urls(first_id, last_id):
    """(id, last change) of public listings with ids in [first_id, last_id], by id."""
    query = (
        Listing.select(Listing.id, Listing.updated_at)
        .where(public_condition() & Listing.id.between(first_id, last_id))
        .order_by(Listing.id)
    )
    # A range of the primary key: one short scan, not a walk of the status index.
    return rows_by_rowid(query)


@bp.get("/sitemap.xml")
def sitemap():
    """The public pages and listings; an index of chunks once there are more than a file holds."""
    max_id = Listing.select(fn.MAX(Listing.id)).scalar() or 0
    if max_id > SITEMAP_CHUNK:
        chunks = range(1, (max_id - 1) // SITEMAP_CHUNK + 2)
        xml = render_template("public/sitemap_index.xml", chunks=chunks)
        return Response(xml, mimetype="application/xml")
    return _urlset(1, include_pages=True)


@bp.get("/sitemap-<int:chunk>.xml")
def sitemap_chunk(chunk):
    if chunk < 1:
        abort(404)
    return _urlset(chunk, include_pages=chunk == 1)


def _urlset(chunk, include_pages):
    first = (chunk - 1) * SITEMAP_CHUNK + 1
    rows = _listing_urls(first, first + SITEMAP_CHUNK - 1)
    # One url_for for all items: tens of thousands of calls would cost seconds.
    item_prefix = canonical_url("showcase.index")
    xml = render_template("public/sitemap.xml", rows=rows, include_pages=include_pages, item_prefix=item_prefix)
    return Response(xml, mimetype="application/xml")


@bp.get("/pristroy/feed.atom")
def feed():
    """An Atom feed of the newest listings on the showcase."""
    listings = load_listings(newest_ids(FEED_SIZE))
    updated = max((listing.published_at or listing.updated_at for listing in listings), default=None)
    xml = render_template("public/feed.atom.xml", listings=listings, updated=updated)
    return Response(xml, mimetype="application/atom+xml")
