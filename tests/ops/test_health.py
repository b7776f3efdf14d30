"""`GET /healthz`: 200 when the database, Redis (if configured), the upload folder and the
schema are fine, 503 naming what is not; no session, no cookie, no user, no write."""

import logging
import os
import secrets
import time

import pytest

from app import create_app
from tests.conftest import login, prepare_database


def get_health(client):
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    return response, elapsed


def test_healthy_app_answers_200_with_checks_and_outbox(app, client):
    from models.outbox import queue_mail

    queue_mail("someone@example.com", "Hello", "Body")
    response, elapsed = get_health(client)
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "uploads": "ok", "schema": "ok"},
        "outbox": {"pending": 1, "failed": 0},
    }
    assert elapsed < 1, elapsed


def test_a_logged_in_browser_gets_no_cookie_no_user_is_loaded_and_nothing_is_written(
    app, client, make_user, monkeypatch, caplog
):
    make_user("dora")
    assert login(client, "dora", "secret123").status_code == 302
    loads = []
    real_loader = app.login_manager._user_callback
    monkeypatch.setattr(app.login_manager, "_user_callback", lambda uid: loads.append(uid) or real_loader(uid))
    assert client.get("/account/orders/").status_code == 200
    assert loads, "the account page loads the user (so the counter works)"
    loads.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        response, _elapsed = get_health(client)
    assert response.status_code == 200
    assert loads == []
    queries = [record.msg[0] for record in caplog.records if record.name == "peewee"]
    statements = [str(sql).lstrip().split()[0].upper() for sql in queries]
    assert statements, "the check ran queries"
    assert set(statements) <= {"SELECT", "SET"}, statements


def test_schema_behind_answers_503(app, client, monkeypatch):
    import models.migrations

    monkeypatch.setattr(models.migrations, "pending", lambda database: ["m0003_webhooks"])
    response, _elapsed = get_health(client)
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["checks"]["schema"] == "1 migrations pending"
    assert response.json["checks"]["database"] == "ok"


def test_upload_folder_not_writable_answers_503(app, client, tmp_path):
    folder = tmp_path / "readonly-uploads"
    folder.mkdir()
    if os.geteuid() == 0:
        # Root may write anywhere on a writable filesystem; /proc/sys is a read-only folder.
        folder = "/proc/sys"
        if os.access(folder, os.W_OK):
            pytest.skip("no read-only folder to point UPLOAD_DIR at while running as root")
    else:
        folder.chmod(0o500)
    app.config["UPLOAD_DIR"] = str(folder)
    try:
        response, _elapsed = get_health(client)
    finally:
        if not isinstance(folder, str):
            folder.chmod(0o700)
    assert response.status_code == 503
    assert response.json["checks"]["uploads"] == "not writable"
    app.config["UPLOAD_DIR"] = str(tmp_path / "gone")
    response, _elapsed = get_health(client)
    assert (response.status_code, response.json["checks"]["uploads"]) == (503, "missing")


def _ready(config):
    from models import db
    from models.db import close_all

    app = create_app(config)
    with app.app_context():
        prepare_database(config)
        db.database.close()
    close_all()
    return app


def test_sqlite_database_gone_answers_503_json(sqlite_config):
    from models.db import close_all

    app = _ready(sqlite_config)
    client = app.test_client()
    assert get_health(client)[0].status_code == 200
    path = sqlite_config["DATABASE_URL"].removeprefix("sqlite:///")
    close_all()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    os.makedirs(path)  # a folder where the file was: "unable to open database file"
    response, elapsed = get_health(client)
    assert response.status_code == 503
    assert response.json == {
        "status": "error",
        "checks": {"database": "unreachable", "uploads": "ok", "schema": "unknown"},
        "outbox": None,
    }
    assert elapsed < 3


def test_postgres_stopping_gives_503_and_starting_again_200(own_postgres):
    from models.db import close_all

    url = own_postgres.create_database(f"health_{secrets.token_hex(3)}")
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "DATABASE_CONNECT_TIMEOUT": 2,
        "SECRET_KEY": secrets.token_hex(16),
        "PUBLIC_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
    }
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        config.update(UPLOAD_DIR=os.path.join(folder, "uploads"), INSTANCE_PATH=os.path.join(folder, "instance"))
        config["TEST_PG_SCHEMA"] = None
        app = create_app(config)
        with app.app_context():
            from models import create_tables, db

            db.database.connect(reuse_if_open=True)
            create_tables()
            db.database.close()
        client = app.test_client()
        try:
            assert get_health(client)[0].status_code == 200
            own_postgres.stop()
            response, elapsed = get_health(client)
            assert response.status_code == 503
            assert response.json["checks"]["database"] == "unreachable"
            assert response.json["outbox"] is None
            assert elapsed < 2 + 1, elapsed  # within the 2 s connect timeout
        finally:
            own_postgres.start()
        response, _elapsed = get_health(client)
        assert response.status_code == 200, response.json
        assert response.json["outbox"] == {"pending": 0, "failed": 0}
        # A restart between two checks leaves a dead connection in the pool: still 200.
        own_postgres.stop()
        own_postgres.start()
        response, _elapsed = get_health(client)
        assert response.status_code == 200, response.json
        close_all()


def test_redis_configured_is_checked_and_its_death_answers_503(sqlite_config, own_redis):
    app = _ready({**sqlite_config, "REDIS_URL": own_redis.url})
    client = app.test_client()
    try:
        response, _elapsed = get_health(client)
        assert response.status_code == 200, response.json
        assert response.json["checks"]["redis"] == "ok"
        own_redis.kill()
        response, elapsed = get_health(client)
        assert response.status_code == 503
        assert response.json["checks"] == {"database": "ok", "redis": "unreachable", "uploads": "ok", "schema": "ok"}
        assert elapsed < 3, elapsed
    finally:
        # One limiter object serves every app in the process: give it back its memory storage.
        create_app(sqlite_config)
