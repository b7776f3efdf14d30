"""A fault never costs a user their work: the database or Redis going away mid-session
gives a 503 page (or a working login), never a 500 with a traceback."""

import logging
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pytest

from tests.conftest import TEST_POSTGRES_URL, csrf_from, login, prepare_database

MESSAGE = "temporarily unavailable. Please try again in a minute."
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def _reset(sock):
    """Drop a connection at once (RST), waking any thread blocked on it."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class Proxy:
    """A loopback TCP proxy to PostgreSQL that a test can cut or freeze.

    `refuse()`: stop listening (connection refused) and reset every connection.
    `freeze()`: reset every connection, then accept new ones and never answer.
    """

    def __init__(self, target):
        self.target = target
        self.frozen = False
        self.conns = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            self.conns.append(client)
            if self.frozen:
                continue  # held open, never answered
            upstream = socket.create_connection(self.target)
            self.conns.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass

    def _reset_all(self):
        conns, self.conns = self.conns, []
        for sock in conns:
            _reset(sock)

    def _stop_listening(self):
        # shutdown() wakes the thread blocked in accept(); close() alone leaves it listening.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()

    def refuse(self):
        self._stop_listening()
        self._reset_all()

    def freeze(self):
        self.frozen = True
        self._reset_all()

    def close(self):
        self._stop_listening()
        self._reset_all()


@pytest.fixture
def proxy():
    parts = urlsplit(TEST_POSTGRES_URL)
    server = Proxy((parts.hostname, parts.port or 5432))
    yield server
    server.close()


@pytest.fixture
def app_config(app_config, db_kind, proxy):
    config = {**app_config, "DATABASE_CONNECT_TIMEOUT": 2}
    if db_kind == "postgres":
        parts = urlsplit(config["DATABASE_URL"])
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{proxy.port}"
        netloc = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
        config["DATABASE_URL"] = parts._replace(netloc=netloc).geturl()
    return config


@pytest.fixture
def break_database(app, db_kind, proxy):
    """Make the database unreachable: PostgreSQL refuses, SQLite's file is gone."""

    def _break():
        from models import db
        from models.db import close_all

        if db_kind == "postgres":
            proxy.refuse()
        else:
            path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
            if not db.database.is_closed():
                db.database.close()
            close_all()
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            os.makedirs(path)  # a folder where the file was: "unable to open database file"

    return _break


def assert_unavailable(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:2000]
    assert MESSAGE in body
    assert "Traceback" not in body
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert response.headers["Retry-After"] == "60"


def test_database_down_mid_session_gives_503_to_users_and_visitors(
    app, client, login_as, make_user, break_database, caplog
):
    login_as(make_user(username="dora"))
    visitor = app.test_client()
    assert visitor.get("/").status_code == 200
    break_database()
    with caplog.at_level(logging.WARNING, logger="flea_market"):
        for browser in (client, visitor):
            for url in ("/", "/pristroy/", "/notifications/"):
                assert_unavailable(browser.get(url))
    assert "Database unavailable" in caplog.text
    # The layout's stylesheet still loads: static files need no database.
    for browser in (client, visitor):
        response = browser.get("/static/css/app.css")
        assert response.status_code == 200
        response.close()


def test_database_down_on_a_form_post_says_the_entry_was_not_saved(app, client, login_as, make_user, break_database):
    login_as(make_user(username="dora"))
    token = csrf_from(client.get("/").get_data(as_text=True))
    break_database()
    response = client.post("/login", data={"email": "dora", "password": "secret123", "csrf_token": token})
    assert_unavailable(response)
    assert "was not saved" in response.get_data(as_text=True)


def test_postgres_frozen_database_ends_the_request_in_the_connect_timeout(app, client, db_kind, proxy):
    if db_kind != "postgres":
        pytest.skip("a frozen server is a PostgreSQL matter")
    assert client.get("/").status_code == 200
    proxy.freeze()
    client.get("/")  # the pooled connection was reset: 503 at once, and it leaves the pool
    started = time.monotonic()
    response = client.get("/")
    elapsed = time.monotonic() - started
    assert_unavailable(response)
    assert elapsed < 2 + 2, elapsed  # DATABASE_CONNECT_TIMEOUT is 2 s here


def test_postgres_connections_get_the_timeouts(app, db_kind):
    if db_kind != "postgres":
        pytest.skip("PostgreSQL settings")
    from models import db

    timeout = db.database.execute_sql("SHOW statement_timeout").fetchone()[0]
    assert timeout == "10s"
    # The test schema's search_path given in the address still applies.
    assert app.config["TEST_PG_SCHEMA"] in db.database.execute_sql("SHOW search_path").fetchone()[0]


# ---------------------------------------------------------------- Redis


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _login_works(app, make_user_name):
    browser = app.test_client()
    response = login(browser, make_user_name, "secret123")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    bad = login(app.test_client(), make_user_name, "wrong")
    assert bad.status_code == 200


@pytest.fixture
def redis_app(app_config):
    """An app with the limiter on and `REDIS_URL` set by the test (before the app is built)."""
    from app import create_app
    from models import db
    from models.db import close_all

    built = []

    def _build(redis_url):
        flask_app = create_app({**app_config, "RATELIMIT_ENABLED": True, "REDIS_URL": redis_url})
        with flask_app.app_context():
            prepare_database(app_config)
            _make_user("erin")
            db.database.close()
        built.append(flask_app)
        return flask_app

    yield _build
    close_all()
    # One limiter object serves every app in the process: give it back its memory storage.

    create_app({**app_config, "RATELIMIT_ENABLED": True})


def _make_user(username):
    import secrets

    from flask_security import hash_password

    from models import User

    User.create(
        username=username,
        email=f"{username}@example.com",
        password=hash_password("secret123"),
        fs_uniquifier=secrets.token_hex(16),
    )


def test_redis_unreachable_login_still_works_and_warns(redis_app, caplog):
    app = redis_app(f"redis://127.0.0.1:{_free_port()}/0")
    with caplog.at_level(logging.WARNING):
        _login_works(app, "erin")
    assert "Rate-limit storage unreachable" in caplog.text or "falling back to in-memory" in caplog.text


@pytest.mark.skipif(not shutil.which("redis-server"), reason="no redis-server on this machine")
def test_redis_dying_mid_session_login_still_works_and_warns(redis_app, caplog):
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        app = redis_app(f"redis://127.0.0.1:{port}/0")
        _login_works(app, "erin")
    finally:
        server.kill()
        server.wait()
    with caplog.at_level(logging.WARNING):
        _login_works(app, "erin")
        _login_works(app, "erin")
    assert "Rate-limit storage unreachable" in caplog.text or "falling back to in-memory" in caplog.text
