"""An app whose schema is behind refuses to serve (503, one log line) until `db upgrade`;
a database that does not answer at start is checked once it does; a passed check costs
no request anything."""

import logging
from urllib.parse import urlsplit

import pytest

from models import migrations
from tests.conftest import TEST_POSTGRES_URL

MESSAGE = "temporarily unavailable. Please try again in a minute."
BEHIND = "The database schema is behind: run flask --app app db upgrade"


def behind_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(BEHIND)]


def assert_refused(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:2000]
    assert response.headers["Retry-After"] == "60"
    assert "Traceback" not in body
    return body


def test_an_app_behind_its_schema_answers_503_and_logs_one_line_until_upgraded(release1_config, make_app, caplog):
    with caplog.at_level(logging.INFO, logger="flea_market"):
        app = make_app(release1_config)
        newer = [name for name in migrations.names() if name != migrations.FIRST]
        assert behind_lines(caplog) == [f"{BEHIND} (pending: {', '.join(newer)})"]
        client = app.test_client()
        for url in ("/", "/pristroy/", "/pristroy/1", "/login", "/account/pristroy/", "/admin/"):
            body = assert_refused(client.get(url))
            assert MESSAGE in body and "Temporarily unavailable" in body, url
        assert MESSAGE in assert_refused(client.post("/login", data={"email": "alice", "password": "alice12345"}))
        api = assert_refused(client.get("/api/v1/listings"))
        assert api.startswith("{") and MESSAGE in api
        # The 503 page's own styles, its icon and Flask-Admin's files still load.
        for url in ("/static/css/app.css", "/favicon.ico", "/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css"):
            asset = client.get(url)
            assert asset.status_code == 200, url
            asset.close()

        # The command line still works: that is how the operator upgrades.
        runner = app.test_cli_runner()
        status = runner.invoke(args=["db", "status"])
        assert status.exit_code == 0 and f"{len(newer)} pending: run flask --app app db upgrade" in status.output
        assert behind_lines(caplog) == [f"{BEHIND} (pending: {', '.join(newer)})"]  # still the one line
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        assert client.get("/").status_code == 200
        assert "The database schema is up to date now: serving." in caplog.text


def test_once_up_to_date_no_request_checks_the_schema_again(app, client, monkeypatch):
    assert client.get("/").status_code == 200  # the check passed (the fixture ran it after making the schema)

    def no_more_checks(database):
        raise AssertionError("the schema was checked again")

    monkeypatch.setattr(migrations, "pending", no_more_checks)
    for url in ("/", "/pristroy/", "/login"):
        assert client.get(url).status_code == 200


def test_sqlite_file_unreachable_at_start_is_checked_when_it_answers(tmp_path, make_app, open_db, caplog):
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'flea.db'}"
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x"}
    with caplog.at_level(logging.INFO, logger="flea_market"):
        app = make_app({**config, "UPLOAD_DIR": str(tmp_path / "uploads")})  # no crash
        assert "does not answer at start" in caplog.text and not behind_lines(caplog)
        client = app.test_client()
        assert MESSAGE in assert_refused(client.get("/"))  # the database is down: the usual 503
        folder.mkdir()
        assert MESSAGE in assert_refused(client.get("/"))  # it answers now, empty: behind
        assert len(behind_lines(caplog)) == 1
        migrations.upgrade(open_db(url))
        assert client.get("/").status_code == 200


def test_postgres_down_at_start_is_checked_when_it_comes_up(db_kind, blank_url, make_app, open_db, tmp_path, caplog):
    if db_kind != "postgres":
        pytest.skip("a PostgreSQL server that comes up later")
    from tests.test_faults import Proxy

    url = blank_url()
    migrations.upgrade(open_db(url))
    parts = urlsplit(TEST_POSTGRES_URL)
    proxy = Proxy((parts.hostname, parts.port or 5432))
    proxy.frozen = True  # accepts and never answers, like a server still starting
    try:
        user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        behind_proxy = urlsplit(url)._replace(netloc=f"{user}127.0.0.1:{proxy.port}").geturl()
        config = {
            "DATABASE_URL": behind_proxy,
            "DATABASE_CONNECT_TIMEOUT": 1,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "SECRET_KEY": "x",
        }
        with caplog.at_level(logging.INFO, logger="flea_market"):
            app = make_app(config)  # waits out the connect timeout, then starts anyway
            assert "does not answer at start" in caplog.text
            proxy.frozen = False
            assert app.test_client().get("/").status_code == 200
            assert not behind_lines(caplog)
    finally:
        proxy.close()
