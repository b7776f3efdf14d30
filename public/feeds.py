"""Being found: `/robots.txt`, `/sitemap.xml` with the public listings and an Atom feed of new ones."""

from flask import Blueprint, Response, abort, render_template, request

from models import catalog
from web.urls import canonical_url

bp = Blueprint("feeds", __name__)

# The sitemap protocol's limit of addresses per file.
SITEMAP_CHUNK = 50_000
FEED_SIZE = 50

# What crawlers are asked to leave alone: the moderators' admin, each customer's own
# pages, the password and one-time sign-in pages, the language switch (the same page
# again), the store connector's API and the operators' probes. Everything else is public:
# the home page, the showcase, item and product pages, photos, the feed, and the log-in
# and registration pages (a customer searching for "<store> log in" should find them).
PRIVATE_PATHS = (
    "/admin/",
    "/account/",
    "/logout",
    "/reset",
    "/change",
    "/verify",
    "/signin/",
    "/language",
    "/api/",
    "/healthz",
    "/metrics",
)


@bp.get("/robots.txt")
def robots():
    """Which pages crawlers may read, and where the sitemap is (on PUBLIC_URL)."""
    root = request.script_root
    # Disallows before the Allow: crawlers that take the first matching line (not the longest,
    # as Google does) read the same rules.
    lines = ["User-agent: *"]
    lines += [f"Disallow: {root}{path}" for path in PRIVATE_PATHS]
    lines += [f"Allow: {root}/", "", f"Sitemap: {canonical_url('feeds.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    """The public pages and listings; an index of chunks once there are more than a file holds."""
    max_id = catalog.max_listing_id()
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
    rows = catalog.sitemap_entries(first, first + SITEMAP_CHUNK - 1)
    # One url_for for all items: tens of thousands of calls would cost seconds.
    item_prefix = canonical_url("showcase.index")
    xml = render_template("public/sitemap.xml", rows=rows, include_pages=include_pages, item_prefix=item_prefix)
    return Response(xml, mimetype="application/xml")


@bp.get("/pristroy/feed.atom")
def feed():
    """An Atom feed of the newest listings on the showcase."""
    listings = catalog.public_listings(catalog.newest_ids(FEED_SIZE))
    updated = max((listing.published_at or listing.updated_at for listing in listings), default=None)
    xml = render_template("public/feed.atom.xml", listings=listings, updated=updated)
    return Response(xml, mimetype="application/atom+xml")
