"""m0006 on the first release's database: Approved listings get an expiry, never sooner than
the reminder period, and nothing else of a listing changes."""

import datetime as dt

from models.users import utcnow
from tests.migrations.test_upgrade import upgraded  # noqa: F401  (the fixture)


def _as_datetime(value):
    return value if value is None or isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_approved_listings_get_an_expiry_from_their_publication(upgraded, open_db):  # noqa: F811
    app, _before, _output = upgraded
    database = open_db(app.config["DATABASE_URL"])
    rows = database.execute_sql(
        'SELECT "status", "published_at", "expires_at", "expiry_reminded_at", "sold_quantity" FROM "listing"'
    ).fetchall()
    approved = [row for row in rows if row[0] == "approved"]
    assert approved, "the fixture has no Approved listing"
    days = dt.timedelta(days=app.config["LISTING_DAYS"])
    soonest = utcnow() + dt.timedelta(days=3) - dt.timedelta(minutes=5)
    for _status, published_at, expires_at, reminded_at, sold in approved:
        expires_at = _as_datetime(expires_at)
        assert expires_at >= soonest
        assert expires_at >= _as_datetime(published_at) + days - dt.timedelta(seconds=1)
        assert (reminded_at, sold) == (None, None)
    assert {row[2] for row in rows if row[0] != "approved"} == {None}


def test_a_listing_published_long_ago_is_not_expired_without_a_reminder(upgraded, open_db):  # noqa: F811
    from playhouse.migrate import SchemaMigrator

    from models.migrations import m0006_listing_states

    app, _before, _output = upgraded
    database = open_db(app.config["DATABASE_URL"])
    long_ago = str(utcnow() - dt.timedelta(days=400))
    database.execute_sql(
        f"UPDATE listing SET expires_at = NULL, published_at = {database.param} WHERE status = 'approved'",
        (long_ago,),
    )
    with app.app_context(), database.atomic():
        m0006_listing_states.upgrade(SchemaMigrator.from_database(database), database)  # safe to repeat
    expiries = [
        _as_datetime(e) for (e,) in database.execute_sql("SELECT expires_at FROM listing WHERE status = 'approved'")
    ]
    assert expiries and min(expiries) >= utcnow() + dt.timedelta(days=3) - dt.timedelta(minutes=5)
