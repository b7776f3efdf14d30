"""Schemathesis against the app's own OpenAPI document: no 5xx, and no answer the document doesn't allow.

Every operation gets a bounded number of generated requests that fit the document
(positive) and that don't (negative), with a valid key, so the bodies reach the
rules; a handful are pushed first so that generated orders can name a real customer
and product now and then.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import customer_body, order_body, product_body

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 20


@pytest.fixture
def document(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_document_is_served_without_a_key(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/customers/{external_id}", "/api/v1/orders/{external_id}", "/api/v1/listings"} <= set(doc["paths"])
    put_order = doc["paths"]["/api/v1/orders/{external_id}"]["put"]
    assert put_order["security"] == [{"bearer": []}]
    assert "lines" in doc["components"]["schemas"]["OrderIn"]["required"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_nothing(app, store, document, mode, make_listing, alice, admin):
    store.put("/api/v1/customers/c1", customer_body())
    store.put("/api/v1/products/p1", product_body())
    store.put("/api/v1/orders/o1", order_body())
    make_listing(alice, status="approved", admin=admin)
    headers = {"Authorization": f"Bearer {store.key}"}
    operations = [result.ok() for result in document.get_all_operations()]
    assert len(operations) == 7

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
