"""Two requests with the same external_id at once make one row: the database's uniqueness decides."""

import threading

import pytest

from models import Order, OrderLine, Product, User
from tests.api.conftest import customer_body, order_body, product_body


def _at_once(app, key, calls):
    """Run the (method, url, body) calls in threads released together; return the status codes."""
    barrier = threading.Barrier(len(calls))
    codes = [None] * len(calls)

    def run(index, method, url, body):
        client = app.test_client()
        barrier.wait()
        response = getattr(client, method)(url, json=body, headers={"Authorization": f"Bearer {key}"})
        codes[index] = response.status_code

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return codes


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_same_external_id_twice_at_once_is_one_row(app, api_key):
    for _round in range(3):
        codes = _at_once(app, api_key, [("put", "/api/v1/products/p1", product_body())] * 2)
        assert sorted(codes) in ([200, 201], [200, 200]), codes
    assert Product.select().where(Product.external_id == "p1").count() == 1

    codes = _at_once(app, api_key, [("put", "/api/v1/customers/c1", customer_body())] * 2)
    assert sorted(codes) == [200, 201], codes
    assert User.select().where(User.external_id == "c1").count() == 1

    codes = _at_once(app, api_key, [("put", "/api/v1/orders/o1", order_body())] * 3)
    assert sorted(codes) == [200, 200, 201], codes
    assert Order.select().count() == 1 and OrderLine.select().count() == 1


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
def test_two_new_orders_at_once_sharing_a_line_id_make_one_line(app, api_key, store):
    store.put("/api/v1/customers/c1", customer_body())
    store.put("/api/v1/products/p1", product_body())
    calls = [
        ("put", "/api/v1/orders/o1", order_body(number="A-1")),
        ("put", "/api/v1/orders/o2", order_body(number="A-2")),
    ]
    codes = _at_once(app, api_key, calls)
    assert sorted(codes) == [201, 422], codes
    assert OrderLine.select().count() == 1 and Order.select().count() == 1  # never half an order
