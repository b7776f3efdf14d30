"""TRUSTED_PROXIES: X-Forwarded-* count only when the operator says a proxy writes them."""

import pytest
from flask import jsonify, request

from tests.conftest import csrf_from


def _config(app_config, trusted):
    config = {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"}
    if trusted is not None:
        config["TRUSTED_PROXIES"] = trusted
    return config


@pytest.fixture
def make_app(app_config):
    """An app with TRUSTED_PROXIES as given (None: unset) and a probe of what it sees of the request."""
    from app import create_app
    from models.db import close_all
    from tests.conftest import FreshContextClient, prepare_database
    from web.extensions import limiter

    def _make(trusted):
        flask_app = create_app(_config(app_config, trusted))
        flask_app.test_client_class = FreshContextClient

        @flask_app.get("/_probe")
        def probe():
            return jsonify(addr=request.remote_addr, scheme=request.scheme, host=request.host)

        with flask_app.app_context():
            prepare_database(app_config)
            limiter.reset()
        return flask_app

    yield _make
    close_all()


def _failed_login(client, forwarded_for):
    """One wrong password for carol, from a client claiming to be `forwarded_for`."""
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_from(client.get("/login", headers=headers).get_data(as_text=True))
    response = client.post("/login", data={"email": "carol", "password": "wrong", "csrf_token": token}, headers=headers)
    return response.status_code


def _add_carol(flask_app):
    from flask_security import hash_password

    from models import User

    with flask_app.app_context():
        User.create(username="carol", email="carol@example.com", password=hash_password("secret123"), fs_uniquifier="c")


def test_unset_a_forged_forwarded_for_does_not_dodge_the_login_limit(make_app):
    flask_app = make_app(None)
    _add_carol(flask_app)
    client = flask_app.test_client()
    # A new made-up address each time: all of them are the one real address to the limit.
    codes = [_failed_login(client, f"203.0.113.{n}") for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    seen = client.get("/_probe", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}).json
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_with_one_trusted_proxy_the_limit_counts_the_address_it_forwards(make_app):
    flask_app = make_app(1)
    _add_carol(flask_app)
    client = flask_app.test_client()
    assert [_failed_login(client, "198.51.100.7") for _ in range(4)] == [200, 200, 200, 429]
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert _failed_login(client, "198.51.100.8") == 200
    # Only the last hop is the proxy's: what a client put before it changes nothing.
    assert _failed_login(client, "10.0.0.1, 198.51.100.7") == 429
    seen = client.get("/_probe", headers={"X-Forwarded-For": "10.0.0.1, 198.51.100.7"}).json
    assert seen["addr"] == "198.51.100.7"


def test_the_forwarded_scheme_and_host_count_only_when_trusted(make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example.com"}
    untrusted = make_app(None).test_client().get("/_probe", headers=forwarded).json
    assert (untrusted["scheme"], untrusted["host"]) == ("http", "localhost")
    trusted_app = make_app(1)
    trusted = trusted_app.test_client().get("/_probe", headers=forwarded).json
    assert (trusted["scheme"], trusted["host"]) == ("https", "shop.example.com")


def test_over_forwarded_https_a_form_needs_a_same_site_referrer(make_app):
    """What a user notices of the scheme: on https, CSRF also checks the Referer (Flask-WTF's strict SSL mode)."""
    https = {"X-Forwarded-Proto": "https"}
    for trusted, refused in ((None, False), (1, True)):
        client = make_app(trusted).test_client()
        token = csrf_from(client.get("/login", headers=https).get_data(as_text=True))
        response = client.post("/login", data={"email": "x", "password": "y", "csrf_token": token}, headers=https)
        assert (response.status_code == 400) is refused, (trusted, response.status_code)
    ok = client.post(
        "/login",
        data={"email": "x", "password": "y", "csrf_token": token},
        headers={**https, "Referer": "https://localhost/login"},
    )
    assert ok.status_code == 200
