"""The catalog version: a number that changes, in the same transaction, with every write
that visitors could see on a public page (a listing's move or edit, a comment, a photo, a
product, the seller's name or block). The anonymous page cache (`web/cache.py`) keys its
entries by it, so a page cached before a change is never served after it.

Triggers on the tables keep it, not the code paths: whatever writes a listing, comment,
product or photo (the lifecycle, the admin, the store connector, expiry, the demo import)
bumps it without having to remember to.
"""

from flask import has_request_context, request

from .db import database
from .migrations import m0011_catalog_version as _frozen

ENVIRON_KEY = "flea_market.catalog_version"


def create_catalog_version():
    """Create the table, its row and the triggers if missing; safe to run again."""
    _frozen.upgrade(None, database())


def current():
    """The version now: one primary-key read. None when the row is missing (then don't cache)."""
    row = database().execute_sql("SELECT version FROM catalog_version WHERE id = 1").fetchone()
    return row[0] if row else None


def for_request():
    """The version as this request first read it: read once, however many caches ask.

    The page cache keys the page by it and the showcase's counts by it too, so they
    agree. Outside a request, `current()`.
    """
    if not has_request_context():
        return current()
    environ = request.environ
    if ENVIRON_KEY not in environ:
        environ[ENVIRON_KEY] = current()
    return environ[ENVIRON_KEY]


__all__ = ["create_catalog_version", "current", "for_request"]
