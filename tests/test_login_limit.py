"""Login attempts are limited per account and address, without locking the owner out."""

import pytest

from tests.conftest import csrf_from, login


@pytest.fixture
def app_config(app_config):
    # The suite turns the limiter off; this module checks it.
    return {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"}


def test_login_attempts_are_limited_per_account_and_address(app, client, make_user):
    make_user(username="carol")
    for _ in range(3):
        assert login(client, "carol", "wrong").status_code == 200
    response = login(client, "carol", "secret123")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # The owner, from another address, still gets in.
    owner = app.test_client()
    token = csrf_from(owner.get("/login", environ_base={"REMOTE_ADDR": "10.9.8.7"}).get_data(as_text=True))
    response = owner.post(
        "/login",
        data={"email": "carol", "password": "secret123", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert response.status_code == 302


def test_only_failed_logins_count(app, make_user):
    make_user(username="carol")
    # Many more good logins than the limit (3 a minute here): nobody is refused for logging in.
    for _ in range(11):
        assert login(app.test_client(), "carol", "secret123").status_code == 302
    # Failures count: the fourth attempt after three failures is refused, good password or not.
    codes = [login(app.test_client(), "carol", "wrong").status_code for _ in range(11)]
    assert codes == [200] * 3 + [429] * 8
    assert login(app.test_client(), "carol", "secret123").status_code == 429


def test_good_logins_between_failures_do_not_use_up_the_limit(app, make_user):
    make_user(username="carol")
    for _ in range(2):
        assert login(app.test_client(), "carol", "wrong").status_code == 200
    for _ in range(5):
        assert login(app.test_client(), "carol", "secret123").status_code == 302
    assert login(app.test_client(), "carol", "wrong").status_code == 200
    assert login(app.test_client(), "carol", "wrong").status_code == 429
