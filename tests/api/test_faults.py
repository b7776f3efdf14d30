"""A database that stops: the API answers 503 in its own error shape, never a 500 or an HTML page."""

from tests.api.conftest import customer_body
from tests.test_faults import app_config, break_database, proxy  # noqa: F401 (fixtures)


def test_database_down_is_503_json(app, store, break_database):  # noqa: F811
    assert store.put("/api/v1/customers/c1", customer_body()).status_code == 201
    break_database()
    for response in (
        store.put("/api/v1/customers/c1", customer_body()),
        store.get("/api/v1/listings"),
        store.post("/api/v1/customers/c1/login-link", {}),
    ):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "60"
        error = response.get_json()["error"]
        assert error["code"] == "unavailable" and error["fields"] == {}
        assert "temporarily unavailable" in error["message"]
