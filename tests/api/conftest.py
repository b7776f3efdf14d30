"""The store connector's doors: a key, a client that sends it, and the store's usual bodies."""

import pytest


@pytest.fixture
def api_key(app):
    from models.api_keys import create_key

    return create_key("shop")


class StoreClient:
    """The test client as the store's server uses the API: JSON with `Authorization: Bearer KEY`."""

    def __init__(self, client, key):
        self.client, self.key = client, key

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.key}", **(headers or {})}

    def put(self, url, json=None, headers=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(headers), **kw)

    def post(self, url, json=None, headers=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(headers), **kw)

    def get(self, url, **kw):
        return self.client.get(url, **kw)


@pytest.fixture
def store(client, api_key):
    return StoreClient(client, api_key)


def customer_body(n=1, **kw):
    return {"email": f"buyer{n}@example.com", "login": f"buyer{n}", "name": f"Buyer {n}", "language": "en", **kw}


def product_body(**kw):
    return {"name": "Wool coat", "description": "Warm.", "price": "1500.00", "url": "https://shop.example/coat", **kw}


def line(external_id="l1", product="p1", quantity=3, price="1400"):
    return {"external_id": external_id, "product": product, "quantity": quantity, "price": price}


def order_body(customer="c1", status="completed", lines=None, **kw):
    return {
        "customer": customer,
        "number": "S-1001",
        "status": status,
        "placed_at": "2026-11-01T10:00:00+03:00",
        "completed_at": "2026-11-05T12:00:00Z" if status == "completed" else None,
        "lines": lines if lines is not None else [line()],
        **kw,
    }


@pytest.fixture
def pushed(store):
    """A customer c1, a product p1 and c1's completed order o1 (line l1, 3 units), pushed through the API."""
    assert store.put("/api/v1/customers/c1", customer_body()).status_code == 201
    assert store.put("/api/v1/products/p1", product_body()).status_code == 201
    response = store.put("/api/v1/orders/o1", order_body())
    assert response.status_code == 201, response.get_json()
    return response.get_json()
