"""One log line per request with its id, method, path, status, duration and user; the id on
error pages; never a password, token, cookie or session in the log."""

import json
import logging
import re

import pytest

from tests.conftest import csrf_from, get_csrf, login

LINE = re.compile(
    r"^\S+ \S+ (?P<id>[0-9a-f]{16}) (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) "
    r"(?P<ms>\d+(\.\d+)?)ms user=(?P<user>\S+)$"
)


def lines(buffer):
    return [line for line in buffer.getvalue().splitlines() if line]


def test_each_request_is_one_line_with_id_method_path_status_duration_and_user(app, client, make_user, request_log):
    user = make_user("dora")
    response = client.get("/pristroy/?q=wool+coat&page=1")
    assert response.status_code == 200
    (line,) = lines(request_log)
    match = LINE.match(line)
    assert match, line
    assert match["id"] == response.headers["X-Request-ID"]
    assert (match["method"], match["path"], match["status"], match["user"]) == ("GET", "/pristroy/", "200", "-")
    assert "wool" not in line  # no query string
    login(client, "dora", "secret123")
    request_log.truncate(0)
    request_log.seek(0)
    client.get("/account/orders/")
    client.get("/no/such/page")
    first, second = (LINE.match(line) for line in lines(request_log))
    assert (first["path"], first["status"], first["user"]) == ("/account/orders/", "200", str(user.id))
    assert (second["path"], second["status"]) == ("/no/such/page", "404")
    assert first["id"] != second["id"]


def test_a_sane_incoming_request_id_is_kept_and_anything_else_replaced(app, client, request_log):
    given = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    response = client.get("/", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given
    assert f" {given} GET / 200 " in lines(request_log)[-1]
    for bad in ("short", "x" * 65, "has space inside it", "new\\nline-forged-entry"):
        response = client.get("/", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-ID"]), bad
        assert bad not in request_log.getvalue()


def test_json_lines_when_log_format_is_json(app, client, request_log, make_user):
    app.config["LOG_FORMAT"] = "json"
    user = make_user("dora")
    login(client, "dora", "secret123")
    response = client.get("/account/orders/?x=1")
    entry = json.loads(lines(request_log)[-1])
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert (entry["method"], entry["path"], entry["status"], entry["user_id"]) == (
        "GET",
        "/account/orders/",
        200,
        user.id,
    )
    assert isinstance(entry["duration_ms"], float) and entry["level"] == "INFO" and entry["time"].endswith("Z")
    assert all(json.loads(line) for line in lines(request_log))  # every line is one JSON object


def test_no_password_token_cookie_or_session_in_any_log(app, client, make_user, request_log, caplog):
    from models.outbox import OutgoingMail

    make_user("carol", email="carol@example.com", password="first secret passphrase 1")
    with caplog.at_level(logging.INFO):
        login(client, "carol", "wrong passphrase 9")
        login(client, "carol", "first secret passphrase 1")
        page = client.get("/change").get_data(as_text=True)
        client.post(
            "/change",
            data={
                "csrf_token": csrf_from(page),
                "password": "first secret passphrase 1",
                "new_password": "second secret passphrase 2",
                "new_password_confirm": "second secret passphrase 2",
            },
        )
        session_cookie = client.get_cookie("session").value
        client.delete_cookie("session")
        csrf = get_csrf(client, "/reset")
        client.post("/reset", data={"csrf_token": csrf, "email": "carol@example.com"})
        mail = OutgoingMail.select().where(OutgoingMail.subject.contains("reset")).get()
        token = re.search(r"/reset/([\w.-]+)", mail.body_text).group(1)
        page = client.get(f"/reset/{token}").get_data(as_text=True)
        response = client.post(
            f"/reset/{token}",
            data={
                "csrf_token": csrf_from(page),
                "password": "third secret passphrase 3",
                "password_confirm": "third secret passphrase 3",
            },
        )
        assert response.status_code == 302
        client.get(f"/reset/{token}?next=/x")  # a used link, logged again
    logged = request_log.getvalue() + caplog.text
    assert "/reset/***" in request_log.getvalue()
    secrets_seen = {
        "a password": ["wrong passphrase 9", "first secret", "second secret", "third secret", "passphrase"],
        "the reset token": [token, token[:20]],
        "the session cookie": [session_cookie, session_cookie[:20]],
        "a CSRF token": [csrf, csrf[:20]],
    }
    for what, values in secrets_seen.items():
        for value in values:
            assert value not in logged, f"{what} is in the log"
    assert "password" not in request_log.getvalue().lower()


@pytest.mark.parametrize(("language", "word"), [("en", "Reference: <samp>"), ("ru", "Номер для справки: <samp>")])
def test_error_pages_show_the_request_id_translated(app, client, request_log, language, word):
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert f"{word}{request_id}" in response.get_data(as_text=True)
    assert f" {request_id} GET /no/such/page 404 " in lines(request_log)[-1]


def test_a_server_error_shows_its_reference_and_logs_it_with_the_traceback(app, request_log, caplog):
    def boom():
        raise RuntimeError("kaput")

    app.add_url_rule("/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, not the exception
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert f"Reference: <samp>{request_id}</samp>" in response.get_data(as_text=True)
    assert f" {request_id} GET /boom 500 " in lines(request_log)[-1]
    (error,) = [r for r in caplog.records if r.name == app.logger.name]
    assert f"[request {request_id}]" in error.getMessage() and error.exc_info


def test_the_unavailable_page_shows_the_request_id(app, client, monkeypatch):
    import peewee

    import public.showcase

    def down(*args, **kwargs):
        raise peewee.OperationalError("connection refused")

    monkeypatch.setattr(public.showcase, "render_template", down)
    response = client.get("/pristroy/")
    assert response.status_code == 503
    assert f"Reference: <samp>{response.headers['X-Request-ID']}</samp>" in response.get_data(as_text=True)
