"""Listing states beyond the first release: Withdrawn, Expired, and the expiry dates.

- `listing.expires_at`: when an Approved listing expires (LISTING_DAYS after its approval);
- `listing.expiry_reminded_at`: when its owner was reminded (once, 3 days before);
- `listing.sold_quantity`: units sold by partial sales, still counted against the order line;
- an index on (status, expires_at) for the expiry job;
- the store's take-back, logged as `withdraw` before, is `revoke` now (`withdraw` is the
  owner's Take off sale): its events, the ones that went to Removed, are renamed.

The new statuses are values of `listing.status` (a text column): no change there.
Listings Approved before this step get an expiry from their publication date, but
never sooner than the reminder period from now, so no owner loses a listing
without being told first.
"""

import datetime as dt
import os

from peewee import DateTimeField, IntegerField
from playhouse.migrate import migrate

DEFAULT_DAYS = 60
REMINDER = dt.timedelta(days=3)


def _listing_days():
    # The app's setting when an app is there (db upgrade runs in one), else its documented default.
    try:
        from flask import current_app

        return int(current_app.config["LISTING_DAYS"])
    except (RuntimeError, KeyError):
        return int(os.environ.get("LISTING_DAYS") or DEFAULT_DAYS)


def upgrade(migrator, database):
    present = {column.name for column in database.get_columns("listing")}
    wanted = (
        ("expires_at", DateTimeField(null=True)),
        ("expiry_reminded_at", DateTimeField(null=True)),
        ("sold_quantity", IntegerField(null=True)),
    )
    operations = [migrator.add_column("listing", name, field) for name, field in wanted if name not in present]
    if operations:
        migrate(*operations)
    indexes = {index.name for index in database.get_indexes("listing")}
    if "listing_status_expires_at" not in indexes:
        migrate(migrator.add_index("listing", ("status", "expires_at"), False))

    database.execute_sql(
        "UPDATE moderationevent SET action = 'revoke' WHERE action = 'withdraw' AND to_status = 'removed'"
    )

    days = dt.timedelta(days=_listing_days())
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = database.execute_sql(
        "SELECT id, published_at, updated_at FROM listing WHERE status = 'approved' AND expires_at IS NULL"
    ).fetchall()
    for listing_id, published_at, updated_at in rows:
        since = _as_datetime(published_at or updated_at) or now
        expires_at = max(since + days, now + REMINDER)
        database.execute_sql(
            "UPDATE listing SET expires_at = %s WHERE id = %s" % ((database.param,) * 2),
            (str(expires_at), listing_id),
        )


def _as_datetime(value):
    """SQLite hands timestamps back as text."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))
