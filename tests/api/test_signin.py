"""Sign-in links: once, for 15 minutes, untamperable, landing on this site only."""

import datetime as dt

import pytest

from models import SigninLink, User
from models.users import utcnow
from tests.api.conftest import customer_body


@pytest.fixture
def customer(store):
    assert store.put("/api/v1/customers/c1", customer_body()).status_code == 201
    return User.get(User.external_id == "c1")


def _link(store, body=None):
    response = store.post("/api/v1/customers/c1/login-link", body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _path(url):
    assert url.startswith("http://localhost/signin/")  # absolute, on PUBLIC_URL
    return url.removeprefix("http://localhost")


def _who(client):
    return client.get("/account/orders/").status_code  # 200 signed in, 302 to the login page


def test_a_link_signs_in_once_and_lands_on_next(store, customer):
    made = _link(store, {"next": "/account/pristroy/?tab=1"})
    expires = dt.datetime.fromisoformat(made["expires_at"])
    assert dt.timedelta(minutes=14) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=15)
    client = store.client
    assert _who(client) == 302
    first = client.get(_path(made["url"]))
    assert first.status_code == 303 and first.headers["Location"] == "/account/pristroy/?tab=1"
    assert _who(client) == 200
    assert "buyer1" in client.get("/account/orders/").get_data(as_text=True)

    other = store.client.application.test_client()
    again = other.get(_path(made["url"]))
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)
    assert _who(other) == 302


def test_without_next_it_lands_on_completed_orders(store, customer):
    assert store.client.get(_path(_link(store)["url"])).headers["Location"] == "/account/orders/completed"


def test_an_expired_link_is_refused(store, customer):
    url = _link(store)["url"]
    SigninLink.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    response = store.client.get(_path(url))
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert _who(store.client) == 302


def test_a_tampered_link_is_refused(store, customer):
    path = _path(_link(store)["url"])
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    for bad in (tampered, path + "x", "/signin/short"):
        response = store.client.get(bad)
        assert response.status_code == 404 and "not valid" in response.get_data(as_text=True), bad
    assert _who(store.client) == 302
    # The real one still works.
    assert store.client.get(path).status_code == 303


def test_the_refusal_page_is_translated(store, customer):
    url = _link(store)["url"]
    store.client.get(_path(url))
    visitor = store.client.application.test_client()
    page = visitor.get(_path(url), headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "уже" in page and "used" not in page


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "account"]
)
def test_next_off_site_is_refused(store, customer, next_path):
    response = store.post("/api/v1/customers/c1/login-link", {"next": next_path})
    assert response.status_code == 422
    assert "next" in response.get_json()["error"]["fields"]
    assert SigninLink.select().count() == 0


def test_unknown_customer_is_404_and_no_key_is_401(store, client):
    assert store.post("/api/v1/customers/ghost/login-link", {}).status_code == 404
    assert client.post("/api/v1/customers/c1/login-link", json={}).status_code == 401
