"""Deep showcase pages start from a remembered position: the same rows as OFFSET."""

import pytest
from playhouse.test_utils import count_queries

from tests.public.helpers import item_ids


@pytest.mark.parametrize("sort", ["new", "price", "-price"])
def test_deep_pages_from_remembered_positions_match_offset(app, client, sort):
    from models.demo import generate_listings

    generate_listings(200, seed=11)
    app.config["SHOWCASE_PAGE_SIZE"] = 5
    app.config["PAGE_CACHE"] = False  # how the page is read, not the cached copy

    def page(number):
        return item_ids(client.get(f"/pristroy/?sort={sort}&page={number}"))

    app.config["SHOWCASE_COUNT_TTL"] = 0  # nothing remembered: plain OFFSET
    expected = {number: page(number) for number in range(11, 17)}
    assert all(len(ids) == 5 for ids in expected.values())
    app.config["SHOWCASE_COUNT_TTL"] = 60
    assert page(12) == expected[12]  # remembers where page 12 starts
    for number in (12, 13, 16, 11):  # from page 12's start, or by OFFSET before it
        assert page(number) == expected[number], number
    with count_queries() as counter:
        page(13)
    queries = [record.msg[0] for record in counter.get_queries()]
    assert any("<=" in q or ">=" in q for q in queries), "page 13 starts from page 12's position"


def test_a_move_is_on_the_next_deep_page_at_once(app, client, make_user, make_listing):
    """A remembered position belongs to the catalog as it was: after an approval puts one
    listing in front, page 13 starts one listing earlier at once, not after the TTL."""
    from models import ListingStatus
    from models.demo import generate_listings

    generate_listings(200, seed=11)
    app.config["SHOWCASE_PAGE_SIZE"] = 5
    app.config["SHOWCASE_COUNT_TTL"] = 60

    def page(number):
        return item_ids(client.get(f"/pristroy/?page={number}"))

    page(12)  # page 12's start is remembered; page 13 is read from it
    before = {12: page(12), 13: page(13)}
    newest = make_listing(make_user(), status=ListingStatus.APPROVED, admin=make_user(admin=True))
    assert page(1)[0] == newest.id
    assert page(13) == [before[12][-1], *before[13][:-1]]
