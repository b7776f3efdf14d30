"""The job's match agrees with the showcase's search, and costs a fixed number of queries
through the words' index whatever the number of alerts."""

import itertools
import secrets

from playhouse.test_utils import count_queries

from models import AlertTerm, Listing, SearchAlert, lifecycle
from models.alerts import AlertMatch, match_due, matching_alerts, save
from models.catalog import Filters
from models.db import database, is_sqlite
from models.search import query_words
from models.users import utcnow

LISTINGS = [
    ("Red scarf", "Soft, long.", "1200", "Scarf classic"),
    ("Scarves, a set of two", "Wool and silk.", "2500", "Accessories"),
    ("Шерстяной шарф", "Тёплый, ношен один раз.", "900", "Шарф"),
    ("Blue jacket", "Size M, worn twice.", "3000", "Jacket Urban"),
    ("Leather jackets lot", "Three jackets, sizes 48-52.", "8000", "Leather goods"),
    ("Пальто шерстяное", "Размер 46.", "5000", "Пальто зимнее"),
    ("Running shoes 42", "Barely worn.", "1500", "Stride 2"),
    ("Silk tie", "Call me.", "400", "Ties"),
]
QUERIES = [
    "scarves",
    "scarf",
    "шарфы",
    "шарф",
    "jack",
    "jackets",
    "red scarf",
    "wool",
    "silk scarves",
    "пальто шерстяное",
    "шерсть",
    "blue",
    "size",
    "m",
    "42",
    "worn",
    "shoes 42",
    "tie",
    "ties",
    "leather jacket",
    "зимнее пальто",
    "nothing here",
    "sca",
    "стрид",
]
RANGES = [(None, None), (None, "1000"), ("1000", None), ("1000", "3000"), ("5000", "5000")]


def _showcase_ids(alert):
    filters = Filters.from_args({"q": alert.q, "min": str(alert.price_min or ""), "max": str(alert.price_max or "")})
    return {row.id for row in Listing.select(Listing.id).where(*filters.conditions())}


def test_the_match_agrees_with_the_showcase_search(alice, admin, make_user, make_completed_line, make_listing):
    listings = []
    for name, description, price, product in LISTINGS:
        line = make_completed_line(alice, product_name=product)
        listing = make_listing(alice, line=line, name=name, description=description, price=price)
        listings.append(listing)
    alerts = []
    buyers = {q: make_user() for q in QUERIES}
    for q, (low, high) in itertools.product(QUERIES, RANGES):
        if q or low or high:
            alerts.append(save(buyers[q], Filters.from_args({"q": q, "min": low or "", "max": high or ""}))[0])
    for listing in listings:
        lifecycle.approve(admin, listing.id)
    match_due(utcnow())
    found = {(m.alert_id, m.listing_id) for m in AlertMatch.select()}
    expected = {(alert.id, listing_id) for alert in alerts for listing_id in _showcase_ids(alert)}
    assert found == expected
    assert len(found) > 40  # a sample with matches to compare, not two empty sets


def _bulk_alerts(users, count, listing_words):
    """`count` alerts of these users: most with words the listing doesn't have, a few with its words."""
    vocabulary = [f"w{n}x{secrets.token_hex(2)}" for n in range(3000)]
    alerts, terms = [], []
    next_id = (SearchAlert.select(SearchAlert.id).order_by(SearchAlert.id.desc()).scalar() or 0) + 1
    for n in range(count):
        if n % 1000 == 0:
            words = listing_words[: 1 + (n // 1000) % len(listing_words)]  # these match
        elif n % 97 == 0:
            words = []  # a price range only
        else:
            words = sorted({vocabulary[(n * 7 + k * 13) % 3000] for k in range(1 + n % 3)} | {listing_words[0]})
        price_max = "100" if not words else None  # the price-only ones miss the listing's price
        key = f"{n}:{' '.join(words)}"
        alerts.append((next_id + n, users[n % len(users)].id, " ".join(words), price_max, key, len(words), utcnow()))
        terms += [(next_id + n, word, len(words)) for word in words]
    fields = [
        SearchAlert.id,
        SearchAlert.user,
        SearchAlert.q,
        SearchAlert.price_max,
        SearchAlert.key,
        SearchAlert.term_count,
        SearchAlert.created_at,
    ]
    with database().atomic():
        for start in range(0, len(alerts), 500):
            SearchAlert.insert_many(alerts[start : start + 500], fields=fields).execute()
        for start in range(0, len(terms), 500):
            AlertTerm.insert_many(
                terms[start : start + 500], fields=[AlertTerm.alert, AlertTerm.term, AlertTerm.term_count]
            ).execute()


def _job_queries(admin, listing):
    lifecycle.approve(admin, listing.id)
    with count_queries() as counter:
        notified, failed = match_due(utcnow())
    return counter.count, notified, failed


def test_ten_thousand_alerts_cost_the_job_what_ten_do(alice, admin, make_user, make_listing):
    from models.db import reset_sequence

    users = [make_user(f"buyer{n}") for n in range(20)]
    words = query_words("red scarf wool")
    small = make_listing(alice, name="Red scarf")
    _bulk_alerts(users, 10, words)
    reset_sequence(SearchAlert)
    few = _job_queries(admin, small)
    assert few[1:] == (1, 0)

    AlertMatch.delete().execute()
    SearchAlert.delete().execute()
    _bulk_alerts(users, 10_000, words)
    reset_sequence(SearchAlert)
    assert SearchAlert.select().count() == 10_000
    big = make_listing(alice, name="Red scarf")
    many = _job_queries(admin, big)
    # alerts 0, 1000, ..., 9000 have only the listing's words ("red", "scarf", "wool": the
    # product is a wool coat); those with a made-up word or the price range miss it.
    assert many[1:] == (10, 0)
    assert many[0] == few[0] <= 8, (few, many)


def test_the_match_reads_the_words_index(alice, bob, make_listing):
    if not is_sqlite():
        return  # PostgreSQL's planner picks by table statistics; the query count above holds there too
    save(bob, Filters.from_args({"q": "scarf"}))
    listing = make_listing(alice, name="Red scarf")
    sql, params = matching_alerts(Listing.get_by_id(listing.id)).sql()
    plan = " | ".join(row[-1] for row in database().execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "alertterm_term_alert" in plan and "SCAN alertterm" not in plan, plan
    assert "SCAN searchalert" not in plan, plan
