"""The bulk-load helpers of the demo data: they store what peewee's own inserts store."""

import datetime as dt

from models import Listing, ListingStatus, Order, OrderStatus, demo, search
from models.db import database, insert_rows, is_postgres


def _order_rows(make_user):
    user = make_user()
    when = dt.datetime(2026, 3, 1, 12, 30, 15, 120000)
    return user, [
        (user.id, "A-1", when, when),
        (user.id, "A-2\ttab\nline\\slash", when, None),
    ]


def test_insert_rows_stores_what_insert_many_stores(app, make_user):
    user, rows = _order_rows(make_user)
    fields = [Order.user, Order.number, Order.created_at, Order.completed_at]  # the status left to its default
    Order.insert_many(rows, fields=fields).execute()
    plain = list(Order.select().where(Order.user == user.id).order_by(Order.id).dicts())
    Order.delete().where(Order.user == user.id).execute()

    assert insert_rows(Order, fields, rows) == 2
    fast = list(Order.select().where(Order.user == user.id).order_by(Order.id).dicts())
    assert len(fast) == len(plain) == 2
    for mine, theirs in zip(fast, plain, strict=True):
        mine.pop("id"), theirs.pop("id")
        assert mine == theirs  # the fields left out got the same defaults
    assert fast[1]["number"] == "A-2\ttab\nline\\slash" and fast[1]["completed_at"] is None
    assert {row["status"] for row in fast} == {OrderStatus.NEW}
    assert insert_rows(Order, fields, []) == 0


def _schema():
    if is_postgres():
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
    return sorted(database().execute_sql(sql).fetchall())


def test_a_large_load_builds_the_indexes_again(app, monkeypatch):
    """Indexes (and SQLite's full-text trigger) are dropped for a large load and come back as they were."""
    demo.load_demo_data()
    before = _schema()
    monkeypatch.setattr(demo, "REBUILD_SEARCH_INDEX_OVER", 10)
    demo.generate_listings(40, seed=5)
    assert _schema() == before
    # The loaded rows are found by the full-text search, and a listing made afterwards too.
    word = Listing.select(Listing.name).where(Listing.status == ListingStatus.APPROVED).first().name.split()[-1]
    expected = Listing.select().where(Listing.search_text.contains(word)).count()
    assert expected and Listing.select().where(Listing.id.in_(search.matching_ids(word))).count() == expected


def test_search_words_as_the_plain_word_loop_gives_them():
    """`search_words` looks words up per raw token; the same forms as `_words` + `word_forms`."""
    texts = ("Scarves and SCARF_ribbons", "шарфы, пальто", None, "", "x" * 60 + " __ 9_9", "Wool coat")

    def plain(*texts):
        seen = {}
        for text in texts:
            for word in search._words(text):
                for form in search.word_forms(word):
                    seen[form] = None
        return " ".join(seen)

    assert search.search_words(*texts) == plain(*texts)
    assert search.search_words("Scarves") == "scarf scarves"


def test_warm_up_loads_the_dictionaries():
    search.warm_up()
    assert search.word_forms("шарфы") == ("шарф", "шарфы")
