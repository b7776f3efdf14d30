"""The read API for the store's own pages: approved listings only, absolute URLs, a fixed query count."""

import pytest
from playhouse.test_utils import count_queries

from models import ListingStatus, lifecycle
from tests.api.conftest import product_body
from tests.conftest import image_bytes

S = ListingStatus


@pytest.fixture
def approved(make_listing, alice, admin):
    def _make(n=1, **kw):
        return [make_listing(alice, status=S.APPROVED, admin=admin, name=f"Item {i}", **kw) for i in range(n)]

    return _make


def test_listings_are_the_approved_ones_newest_first(client, approved, make_listing, alice, admin):
    first, second = approved(2)
    for status in (S.MODERATION, S.DECLINED, S.REMOVED, S.SOLD):
        make_listing(alice, status=status, admin=admin, name=f"Hidden {status}")
    body = client.get("/api/v1/listings").get_json()
    assert [item["id"] for item in body["listings"]] == [second.id, first.id]
    assert body["page"] == 1 and body["has_next"] is False
    item = body["listings"][0]
    assert item == {
        "id": second.id,
        "url": f"http://localhost/pristroy/{second.id}",
        "name": "Item 1",
        "price": "1500.00",
        "currency": "RUB",
        "quantity": 1,
        "photo_url": None,
        "thumbnail_url": None,
        "photos": [],
        "published_at": item["published_at"],
        "product": None,
    }
    assert item["published_at"].endswith("Z")


def test_one_listing_404_when_not_public_410_when_sold(client, approved, make_listing, alice, admin):
    (public,) = approved()
    assert client.get(f"/api/v1/listings/{public.id}").get_json()["id"] == public.id
    waiting = make_listing(alice)
    assert client.get(f"/api/v1/listings/{waiting.id}").status_code == 404
    assert client.get("/api/v1/listings/999999").status_code == 404
    assert client.get("/api/v1/listings/99999999999999999999999").status_code == 404
    lifecycle.mark_sold(alice, public.id)
    gone = client.get(f"/api/v1/listings/{public.id}")
    assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "gone"


def test_pages_search_and_product_filter(app, client, approved, store):
    app.config["API_PAGE_SIZE"] = 2
    items = approved(3)
    page1 = client.get("/api/v1/listings").get_json()
    page2 = client.get("/api/v1/listings?page=2").get_json()
    assert page1["has_next"] and not page2["has_next"]
    assert [i["id"] for i in page1["listings"] + page2["listings"]] == [i.id for i in reversed(items)]
    assert client.get("/api/v1/listings?page=0").status_code == 422
    assert client.get("/api/v1/listings?page=x").get_json()["error"]["fields"] == {"page": "Not a valid integer."}
    app.config["API_PAGE_SIZE"] = 10
    assert [i["name"] for i in client.get("/api/v1/listings?q=Item").get_json()["listings"]] == [
        "Item 2",
        "Item 1",
        "Item 0",
    ]
    assert client.get("/api/v1/listings?q=nothing-like-it").get_json()["listings"] == []
    # The store's product: tag one listing's product with an external_id and a photo.
    product = items[0].order_line.product
    product.external_id = "p-ext"
    product.save()
    store.put("/api/v1/products/p-ext", product_body())
    jpeg = image_bytes("JPEG")
    store.put("/api/v1/products/p-ext/photo", data=jpeg, headers={"Content-Type": "image/jpeg"})
    only = client.get("/api/v1/listings?product=p-ext").get_json()["listings"]
    assert [i["id"] for i in only] == [items[0].id]
    assert only[0]["product"] == "p-ext" and only[0]["photo_url"].startswith("http://localhost/media/")
    assert only[0]["thumbnail_url"].startswith("http://localhost/media/") and ".thumb." in only[0]["thumbnail_url"]
    assert client.get("/api/v1/listings?product=ghost").get_json()["listings"] == []


def test_query_count_does_not_grow_with_the_page(app, client, approved):
    app.config["PAGE_CACHE"] = False  # the queries of making the page, not of the cached copy
    app.config["API_PAGE_SIZE"] = 20
    approved(1)

    def queries():
        with count_queries() as counter:
            assert client.get("/api/v1/listings").status_code == 200
        return counter.count

    one = queries()
    approved(19)
    assert len(client.get("/api/v1/listings").get_json()["listings"]) == 20
    assert queries() == one
