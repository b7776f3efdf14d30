"""The API has its own rate limit, answered in the contract's error shape."""

import pytest

from tests.api.conftest import customer_body


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"}


def test_over_the_limit_is_429_in_json(client, api_key):
    headers = {"Authorization": f"Bearer {api_key}"}
    codes = [client.put("/api/v1/customers/c1", json=customer_body(), headers=headers).status_code for _ in range(3)]
    assert codes == [201, 200, 200]
    refused = client.put("/api/v1/customers/c1", json=customer_body(), headers=headers)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    # The site's own pages are not counted against the API's limit.
    assert client.get("/pristroy/").status_code == 200
