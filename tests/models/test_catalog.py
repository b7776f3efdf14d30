"""The catalog (the showcase's read side) and its two speed helpers.

The helpers must return exactly what the plain peewee query returns: same rows,
same order, same row type.
"""

import logging
from decimal import Decimal

import pytest

from models import Listing, ListingStatus, catalog
from models._sql import CompiledQuery, rows_by_index, rows_by_rowid
from models.search import matching_ids


@pytest.fixture
def listings(make_user, make_listing, make_completed_line):
    """Seven listings of two sellers: five approved (two named "wool"), one on moderation, one sold."""
    admin = make_user(admin=True)
    seller, other = make_user(), make_user()

    def make_listing(owner, status, admin=None, make=make_listing, **kw):
        # Of a product without "wool" in its name (its name is searched too): only the listings' names match.
        return make(owner, status, admin, line=make_completed_line(owner, product_name="Store item"), **kw)

    made = [
        make_listing(seller, ListingStatus.APPROVED, admin, name="Wool coat", price="3000"),
        make_listing(other, ListingStatus.APPROVED, admin, name="Red scarf", price="500"),
        make_listing(seller, ListingStatus.APPROVED, admin, name="Wool hat", price="800"),
        make_listing(seller, ListingStatus.MODERATION, name="Wool socks"),
        make_listing(other, ListingStatus.APPROVED, admin, name="Boots", price="2500"),
        make_listing(other, ListingStatus.SOLD, name="Wool gloves"),
        make_listing(seller, ListingStatus.APPROVED, admin, name="Umbrella", price="700"),
    ]
    return {"admin": admin, "seller": seller, "other": other, "rows": made}


def _related(listing):
    """What a page reads of a listing with its related rows."""
    line = listing.order_line
    return (
        listing.id,
        listing.name,
        listing.status,
        listing.owner.username,
        line.id,
        line.product.name,
        line.order.number,
        listing.photo_id,
    )


# ---------------------------------------------------------------- CompiledQuery


def test_compiled_query_returns_what_the_plain_query_returns(listings):
    compiled = CompiledQuery(lambda ids: Listing.with_related().where(Listing.id.in_(ids)).order_by(Listing.id))
    all_ids = [listing.id for listing in listings["rows"]]
    # Several lengths, and the same length twice with other values: the SQL is reused.
    for ids in ([all_ids[0]], all_ids[:3], all_ids[3:6], all_ids, list(reversed(all_ids)), [0, all_ids[2]]):
        plain = list(Listing.with_related().where(Listing.id.in_(ids)).order_by(Listing.id))
        assert [_related(r) for r in compiled(ids)] == [_related(r) for r in plain], ids


def test_compiled_query_with_one_id_and_named_rows(listings):
    def build(listing_id):
        return Listing.select(Listing.id, Listing.name, Listing.price).where(Listing.id == listing_id).namedtuples()

    compiled = CompiledQuery(build)
    for listing in listings["rows"] + [None]:
        listing_id = listing.id if listing else 10_000
        assert compiled(listing_id) == list(build(listing_id))


def test_compiled_query_with_two_arguments(listings):
    def build(first, last):
        return Listing.select(Listing.id).where(Listing.id.between(first, last)).order_by(Listing.id.desc()).tuples()

    compiled = CompiledQuery(build)
    ids = [listing.id for listing in listings["rows"]]
    for first, last in ((ids[0], ids[-1]), (ids[2], ids[4]), (ids[4], ids[2])):
        assert compiled(first, last) == list(build(first, last))


def test_the_cards_query_matches_its_plain_form(listings):
    ids = [listing.id for listing in listings["rows"]]
    for chosen in (ids[:1], ids[1:5], ids):
        assert sorted(catalog._cards(chosen)) == sorted(catalog._cards_query(chosen))


# ---------------------------------------------------------------- rows_by_rowid


def _public(*conditions):
    return Listing.select(Listing.id, Listing.name).where(Listing.public_condition(), *conditions)


def test_rows_by_rowid_returns_what_the_plain_query_returns(listings):
    ids = [listing.id for listing in listings["rows"]]
    queries = [
        _public(Listing.id == ids[0]).tuples(),
        _public(Listing.id.in_(ids[:4])).order_by(Listing.id.desc()).namedtuples(),
        _public(Listing.id.in_(ids)).order_by(Listing.price).tuples(),
        _public(Listing.id.in_(matching_ids("wool"))).order_by(Listing.id).namedtuples(),
        _public(Listing.id.between(ids[1], ids[5])).order_by(Listing.id).dicts(),
        Listing.select(Listing.id).where(Listing.id.between(ids[2], ids[3])).order_by(Listing.id.desc()).tuples(),
        Listing.select(Listing.id, Listing.name).where(Listing.id.in_(ids[::2])).order_by(Listing.id),
    ]
    for query in queries:
        plain = list(query.clone())
        patched = rows_by_rowid(query)
        if plain and isinstance(plain[0], Listing):
            plain, patched = [(r.id, r.name) for r in plain], [(r.id, r.name) for r in patched]
        assert patched == plain, query.sql()
    assert [r.name for r in rows_by_rowid(queries[3])] == ["Wool coat", "Wool hat"]


def test_rows_by_rowid_names_the_listing_table_not_indexed_on_sqlite(app, listings, db_kind):
    from playhouse.test_utils import count_queries

    with count_queries() as counter:
        rows_by_rowid(_public(Listing.id.in_(matching_ids("wool"))).tuples())
    assert ("NOT INDEXED" in counter.get_queries()[0].msg[0]) == (db_kind == "sqlite")


@pytest.mark.parametrize("sort", ["new", "price", "-price"])
def test_rows_by_index_returns_what_the_plain_query_returns(app, listings, db_kind, sort):
    from playhouse.test_utils import count_queries

    for word in ("wool", "scarf", "nothing-matches"):
        query = (
            Listing.select(Listing.id)
            .where(Listing.public_condition(), Listing.id.in_(matching_ids(word)))
            .order_by(*catalog.SORTS[sort])
            .limit(3)
            .tuples()
        )
        with count_queries() as counter:
            walked = rows_by_index(query, catalog.SORT_INDEXES[sort])
        assert walked == list(query.clone()), (sort, word)
        named = f'INDEXED BY "{catalog.SORT_INDEXES[sort]}"' in counter.get_queries()[0].msg[0]
        assert named == (db_kind == "sqlite")


# ---------------------------------------------------------------- catalog


def test_filters_from_a_mapping():
    filters = catalog.Filters.from_args({"q": "  wool   coat ", "min": "2 000,5", "max": "100", "sort": "price"})
    assert (filters.q, filters.sort) == ("wool coat", "price")
    assert (filters.price_min, filters.price_max) == (Decimal("100.00"), Decimal("2000.50"))
    assert filters.args(page=2) == {"q": "wool coat", "min": "100", "max": "2000.50", "sort": "price", "page": 2}
    bad = catalog.Filters.from_args({"min": "abc", "sort": "nonsense"})
    assert bad.sort == "new" and bad.price_min is None and set(bad.errors) == {"min"}


def test_cards_in_the_order_asked_public_only(listings):
    rows = listings["rows"]
    ids = [rows[6].id, rows[3].id, rows[0].id, rows[5].id, rows[1].id]
    cards = catalog.cards(ids)
    assert [(c.id, c.name, c.price) for c in cards] == [
        (rows[6].id, "Umbrella", Decimal("700.00")),
        (rows[0].id, "Wool coat", Decimal("3000.00")),
        (rows[1].id, "Red scarf", Decimal("500.00")),
    ]
    assert catalog.cards([]) == []


def _count_reads(caplog, filters):
    """(the count, the queries that made it other than the catalog version's read)."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        total = catalog.count(filters)
    reads = [r.msg[0] for r in caplog.records if r.name == "peewee" and "catalog_version" not in r.msg[0]]
    return total, reads


def test_count_is_remembered_until_the_catalog_changes_or_the_ttl_passes(app, listings, make_listing, caplog):
    app.config["SHOWCASE_COUNT_TTL"] = 60
    everything, wool = catalog.Filters(), catalog.Filters(q="wool")
    assert (catalog.count(everything), catalog.count(wool)) == (5, 2)
    assert _count_reads(caplog, everything) == (5, [])  # remembered
    assert _count_reads(caplog, wool) == (2, [])
    make_listing(listings["seller"], ListingStatus.APPROVED, listings["admin"], name="Wool scarf")
    # The move changed the catalog version: counted again at once, not after the TTL.
    total, reads = _count_reads(caplog, everything)
    assert total == 6 and len(reads) == 1
    assert catalog.count(wool) == 3
    app.config["SHOWCASE_COUNT_TTL"] = 0
    total, reads = _count_reads(caplog, wool)
    assert total == 3 and len(reads) == 1
    assert (
        catalog.count(catalog.Filters(price_min=Decimal("700"), price_max=Decimal("2500"))) == 4
    )  # 700, 800, 1500, 2500


@pytest.mark.parametrize("sort", ["new", "price", "-price"])
def test_pages_and_deep_keyset_pages(app, listings, sort):
    order = {"new": None, "price": lambda c: (c.price, c.id), "-price": lambda c: (-c.price, -c.id)}[sort]
    public = [listing for listing in listings["rows"] if listing.status == ListingStatus.APPROVED]
    expected = sorted(public, key=order) if order else sorted(public, key=lambda c: c.id, reverse=True)
    filters = catalog.Filters(sort=sort)
    cards, has_next = catalog.page_of(filters, 1, 2)
    assert [c.id for c in cards] == [c.id for c in expected[:2]] and has_next
    cards, has_next = catalog.page_of(filters, 3, 2)
    assert [c.id for c in cards] == [expected[4].id] and not has_next


@pytest.mark.parametrize("sort", ["new", "price", "-price"])
def test_deep_pages_from_remembered_positions_match_offset(app, sort):
    from models.demo import generate_listings

    generate_listings(150, seed=5)
    filters = catalog.Filters(sort=sort)
    app.config["SHOWCASE_COUNT_TTL"] = 0  # nothing remembered: plain OFFSET
    expected = {page: catalog.page_ids(filters, page, 4) for page in range(10, 16)}
    assert all(len(ids) == 5 for ids in expected.values())
    app.config["SHOWCASE_COUNT_TTL"] = 60
    for page in (12, 12, 13, 15, 11, 14):
        assert catalog.page_ids(filters, page, 4) == expected[page], page
    positions = catalog.anchors(filters, 4)
    assert set(positions) == {11, 12, 13, 14, 15}
    first = Listing.get_by_id(expected[12][0])
    key = first.published_at if sort == "new" else first.price
    assert positions[12][1] == first.id and positions[12][0] == key


def test_newest_ids_and_public_listings(listings):
    public = [listing.id for listing in listings["rows"] if listing.status == ListingStatus.APPROVED]
    newest = catalog.newest_ids(3)
    assert len(newest) == 3 and set(newest) <= set(public)
    everything = [listing.id for listing in listings["rows"]]
    assert [listing.id for listing in catalog.public_listings(everything)] == public
    assert [listing.id for listing in catalog.listings_by_ids(everything[::-1])] == everything[::-1]


def test_sitemap_entries_is_a_range_of_public_ids(listings):
    ids = [listing.id for listing in listings["rows"]]
    rows = catalog.sitemap_entries(ids[1], ids[5])
    assert [row.id for row in rows] == [ids[1], ids[2], ids[4]]
    assert all(row.updated_at is not None for row in rows)
    assert catalog.max_listing_id() == max(ids)


def test_page_numbers():
    assert catalog.page_numbers(6, 40) == [1, None, 4, 5, 6, 7, 8, None, 40]
    assert catalog.page_numbers(1, 1) == [1]


def test_who_may_see_a_hidden_listing(listings, make_user):
    from flask_security.core import AnonymousUser

    hidden = Listing.get_with_related(listings["rows"][3].id)
    public = Listing.get_with_related(listings["rows"][0].id)
    stranger = make_user()
    for user, allowed in ((AnonymousUser(), False), (stranger, False), (listings["seller"], True)):
        assert catalog.may_see(hidden, user) is allowed
        assert catalog.may_see(public, user) is True
    assert catalog.may_see(hidden, listings["admin"]) is True


def test_item_page_data(listings, make_user):
    from flask_security.core import AnonymousUser

    from models.comments import post_comment
    from models.reports import ReportReason, report_listing

    listing = Listing.get_with_related(listings["rows"][1].id)
    reader = make_user()
    post_comment(listing, reader, "Is it still warm?")
    reason = sorted(ReportReason.ALL)[0]
    report_listing(reader, listing, reason)
    page = catalog.item_page(listing, AnonymousUser())
    assert page.listing is listing and page.comment_count == 1
    assert [c.body for c, _replies in page.threads] == ["Is it still warm?"]
    assert page.reported == set() and page.admin_reports is None
    assert page.photos == []
    assert catalog.item_page(listing, reader).reported == {reason}
    assert [r.reason for r in catalog.item_page(listing, listings["admin"]).admin_reports] == [reason]


# ---------------------------------------------------------------- the admin list's rows


def test_admin_rows_show_what_page_rows_show(listings, make_listing, make_completed_line):
    """`Listing.admin_rows` (the admin list's lean query) against the full `page_rows` models."""
    from models import lifecycle
    from models.listing_input import ListingData
    from models.photos import process_image
    from tests.conftest import image_bytes

    seller, admin = listings["seller"], listings["admin"]
    with_photo = make_listing(seller, photo=process_image(image_bytes("PNG", (64, 64)), "p.png"), name="Shot")
    # Approved, then edited by its seller: back on moderation with the snapshot of what was approved.
    changed = lifecycle.approve(admin, make_listing(seller, name="Edited").id)
    data = ListingData(name="Edited again", description="New words.", price="990", quantity=1)
    changed = lifecycle.edit_listing(seller, changed.id, data, seen_version=changed.version)
    ids = [listing.id for listing in listings["rows"]] + [with_photo.id, changed.id]
    order = list(reversed(ids)) + [10_000]  # any order; an id that is not there is left out

    def shown(listing):
        photo = listing.shown_photo
        return (
            listing.id,
            listing.name,
            listing.status,
            listing.status_label,
            listing.version,
            Decimal(listing.price),
            listing.quantity,
            listing.created_at,
            listing.updated_at,
            listing.owner.display_name if hasattr(listing, "owner") else listing.owner_name,
            listing.order_line.order.number if hasattr(listing, "order_line") else listing.order_number,
            photo.thumb_filename if photo else None,
            bool(listing.approved_snapshot),
        )

    assert [shown(r) for r in Listing.admin_rows(order)] == [shown(r) for r in Listing.page_rows(order)]
    rows = {row.id: row for row in Listing.admin_rows(ids)}
    assert rows[with_photo.id].shown_photo is not None
    assert rows[changed.id].status == ListingStatus.MODERATION and rows[changed.id].approved_snapshot
    assert Listing.admin_rows([]) == []
