"""Blank databases (a SQLite file, or a PostgreSQL schema of their own), the first release's
fixture loaded into one, and the app on it."""

import os
import secrets
import shutil
import sqlite3

import pytest

from tests.conftest import TEST_POSTGRES_URL

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "release1")


def _postgres_admin():
    import psycopg2

    conn = psycopg2.connect(TEST_POSTGRES_URL, connect_timeout=3)
    conn.autocommit = True
    return conn


@pytest.fixture
def blank_url(db_kind, tmp_path):
    """A factory of addresses of empty databases of the test's kind; PostgreSQL schemas are dropped after."""
    schemas = []

    def _make(name="blank"):
        if db_kind == "sqlite":
            return f"sqlite:///{tmp_path / (name + '.db')}"
        schema = f"m_{os.getpid()}_{secrets.token_hex(4)}"
        with _postgres_admin() as conn, conn.cursor() as cur:
            cur.execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        sep = "&" if "?" in TEST_POSTGRES_URL else "?"
        return f"{TEST_POSTGRES_URL}{sep}options=-c%20search_path%3D{schema}"

    yield _make
    if schemas:
        conn = _postgres_admin()
        with conn.cursor() as cur:
            for schema in schemas:
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()


@pytest.fixture
def open_db():
    """Open a peewee database for an address (closed after the test)."""
    from models.db import open_database

    opened = []

    def _open(url):
        database = open_database(url)
        database.connect(reuse_if_open=True)
        opened.append(database)
        return database

    yield _open
    for database in opened:
        if not database.is_closed():
            database.close()
        database.close_all()


def load_release1(db_kind, url):
    """Load the first release's SQL dump into the empty database at `url`."""
    with open(os.path.join(FIXTURE, f"{db_kind}.sql")) as fh:
        sql = fh.read()
    if db_kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.executescript(sql)
        conn.close()
        return
    import psycopg2

    conn = psycopg2.connect(url)  # libpq reads the schema's search_path from the address
    with conn, conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


@pytest.fixture
def release1_url(db_kind, blank_url):
    """An address of a database as the first release left it: its schema, data (photos in `uploads`)."""
    url = blank_url("release1")
    load_release1(db_kind, url)
    return url


@pytest.fixture
def release1_config(release1_url, tmp_path):
    uploads = tmp_path / "uploads"
    shutil.copytree(os.path.join(FIXTURE, "uploads"), uploads)
    return {
        "DATABASE_URL": release1_url,
        "UPLOAD_DIR": str(uploads),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": secrets.token_hex(16),
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_URL": "http://localhost",
    }


@pytest.fixture
def make_app(tmp_path):
    """create_app for a configuration (folders under the test's own by default); its connections
    are closed after the test."""
    from app import create_app

    apps = []

    def _make(config):
        folders = {"INSTANCE_PATH": str(tmp_path / "instance"), "UPLOAD_DIR": str(tmp_path / "uploads")}
        flask_app = create_app({**folders, "SECRET_KEY": "x", **config})
        apps.append(flask_app)
        return flask_app

    yield _make
    for flask_app in apps:
        database = flask_app.config["DATABASE"]
        if not database.is_closed():
            database.close()
        database.close_all()
