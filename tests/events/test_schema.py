"""The migration step m0005 creates the table the model describes, on both databases."""

import secrets

import pytest
from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.migrate import SchemaMigrator

from models import WebhookEvent
from models.db import database
from models.migrations import m0005_webhooks
from tests.conftest import TEST_POSTGRES_URL

TABLE = WebhookEvent._meta.table_name


def shape(db):
    columns = sorted((c.name, c.data_type.lower(), c.null, c.primary_key) for c in db.get_columns(TABLE))
    indexes = sorted((i.name, tuple(i.columns), i.unique) for i in db.get_indexes(TABLE))
    return columns, indexes


@pytest.fixture
def empty_database(app, db_kind, tmp_path):
    """A database of the same kind with no tables at all."""
    if db_kind == "sqlite":
        fresh = SqliteDatabase(str(tmp_path / "empty.db"))
        yield fresh
        fresh.close()
        return
    import psycopg2

    schema = f"m5_{secrets.token_hex(4)}"
    admin = psycopg2.connect(TEST_POSTGRES_URL, connect_timeout=3)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    fresh = PostgresqlDatabase(None)
    fresh.init(TEST_POSTGRES_URL.rsplit("/", 1)[1], dsn=f"{TEST_POSTGRES_URL}?options=-c%20search_path%3D{schema}")
    try:
        assert fresh.execute_sql("SELECT current_schema()").fetchone()[0] == schema
        yield fresh
    finally:
        fresh.close()
        with admin.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def test_the_migration_creates_the_models_table(empty_database):
    m0005_webhooks.upgrade(SchemaMigrator.from_database(empty_database), empty_database)
    assert TABLE in empty_database.get_tables()
    assert shape(empty_database) == shape(database())
    # Safe to repeat on a database that has it.
    m0005_webhooks.upgrade(SchemaMigrator.from_database(empty_database), empty_database)
