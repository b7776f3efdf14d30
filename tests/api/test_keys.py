"""API keys: made and revoked on the command line, shown once, stored as a hash; the only way in."""

from models import ApiKey
from tests.api.conftest import customer_body
from tests.conftest import login

URL = "/api/v1/customers/c1"


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["api-keys", *args])


def test_create_list_revoke(app, client):
    made = _cli(app, "create", "my-shop")
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    assert key.startswith("fm_") and len(key) > 40
    row = ApiKey.get(ApiKey.name == "my-shop")
    assert key not in (row.key_hash, row.lookup) and len(row.key_hash) == 64  # only a hash is kept
    listed = _cli(app, "list")
    assert "my-shop" in listed.output and "live" in listed.output and key not in listed.output

    headers = {"Authorization": f"Bearer {key}"}
    assert client.put(URL, json=customer_body(), headers=headers).status_code == 201

    assert _cli(app, "revoke", "my-shop").exit_code == 0
    assert "revoked" in _cli(app, "list").output
    refused = client.put(URL, json=customer_body(), headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"


def test_commands_refuse_clearly(app):
    assert _cli(app, "create", "a").exit_code == 0
    again = _cli(app, "create", "a")
    assert again.exit_code == 1 and "already exists" in again.output
    missing = _cli(app, "revoke", "nobody")
    assert missing.exit_code == 1 and "No live key" in missing.output


def test_no_wrong_or_malformed_key_gets_in(client, api_key):
    wrong_secret = api_key[:-4] + ("aaaa" if not api_key.endswith("aaaa") else "bbbb")
    bad = [None, "", "Bearer", f"Basic {api_key}", "Bearer nope", f"Bearer {wrong_secret}", f"Bearer {api_key}x"]
    for header in bad:
        headers = {"Authorization": header} if header is not None else {}
        response = client.put(URL, json=customer_body(), headers=headers)
        assert response.status_code == 401, header
        body = response.get_json()["error"]
        assert body["code"] == "unauthorized" and body["message"] and body["fields"] == {}
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_browser_session_does_not_authenticate_and_no_cookie_is_set(client, make_user, api_key):
    admin = make_user("boss", admin=True)
    assert login(client, admin.email, "secret123").status_code == 302
    # Logged in as an admin, with the session cookie and a CSRF-free PUT: still 401.
    response = client.put(URL, json=customer_body())
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    ok = client.put(URL, json=customer_body(), headers={"Authorization": f"Bearer {api_key}"})
    assert ok.status_code == 201 and "Set-Cookie" not in ok.headers
    assert "Set-Cookie" not in client.get("/api/v1/listings").headers
    # ...and the browser's own pages still know who it is.
    assert "boss" in client.get("/account/orders/").get_data(as_text=True)
