"""Canonical addresses as a crawler finds them: one per page, whatever noise the link carried."""

import pytest

from models import ListingStatus

from .helpers import canonical, page_of


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PUBLIC_URL": "https://shop.example.com", "SHOWCASE_PAGE_SIZE": 2}


@pytest.fixture
def listings(make_user, make_listing):
    admin, seller = make_user(admin=True), make_user()
    return [make_listing(seller, status=ListingStatus.APPROVED, admin=admin, price=str(100 + i)) for i in range(5)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "/pristroy/"),
        ("?sort=price", "/pristroy/"),
        ("?sort=-price&page=1", "/pristroy/"),
        ("?page=1&q=&min=&max=&sort=new", "/pristroy/"),
        ("?utm_source=mail&fbclid=abc", "/pristroy/"),
        ("?page=2&sort=price", "/pristroy/?page=2"),
        ("?sort=-price&page=3&utm_campaign=x", "/pristroy/?page=3"),
        # A narrowed page (it says noindex) keeps what narrows it, nothing else.
        ("?q=jacket&sort=price&page=1", "/pristroy/?q=jacket"),
        ("?min=100&max=&sort=-price", "/pristroy/?min=100"),
    ],
)
def test_showcase_canonical_drops_sort_page_one_and_empty_parameters(client, listings, query, expected):
    response = client.get(f"/pristroy/{query}")
    assert response.status_code == 200
    assert canonical(page_of(response)) == f"https://shop.example.com{expected}"


def test_sorted_pages_still_link_their_pages_in_that_order(client, listings):
    # The canonical leaves the order out; the visitor's own links keep it.
    page = page_of(client.get("/pristroy/?sort=price"))
    assert 'href="/pristroy/?sort=price&amp;page=2"' in page


@pytest.mark.parametrize("query", ["", "?utm_source=mail", "?sort=price&page=2", "?q=coat#reviews", "?lang=ru"])
def test_item_canonical_is_the_plain_item_address(client, listings, query):
    item = listings[0]
    response = client.get(f"/pristroy/{item.id}{query}")
    assert response.status_code == 200
    assert canonical(page_of(response)) == f"https://shop.example.com/pristroy/{item.id}"
