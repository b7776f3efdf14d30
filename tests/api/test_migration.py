"""m0003 brings a database of the release before the connector to the connector's schema."""

import pytest
from peewee import CharField, IntegrityError, Model, SqliteDatabase
from playhouse.migrate import SchemaMigrator

from models.migrations import m0003_connector


def _before(database):
    """The four tables as they were, with one row each."""

    class Base(Model):
        class Meta:
            pass

    Base._meta.database = database
    tables = {}
    for name in ("user", "product", "order", "orderline"):
        tables[name] = type(
            name, (Base,), {"label": CharField(default="x"), "Meta": type("Meta", (), {"table_name": name})}
        )
    database.create_tables(list(tables.values()))
    for model in tables.values():
        model.create()
    return tables


def test_upgrade_adds_the_columns_unique_indexes_and_tables(tmp_path):
    database = SqliteDatabase(str(tmp_path / "old.db"))
    _before(database)
    m0003_connector.upgrade(SchemaMigrator.from_database(database), database)
    columns = {t: {c.name for c in database.get_columns(t)} for t in ("user", "product", "order", "orderline")}
    assert {"external_id", "full_name", "updated_at"} <= columns["user"]
    assert {"external_id", "url", "updated_at", "photo_sha256"} <= columns["product"]
    assert {"external_id", "updated_at"} <= columns["order"] and "external_id" in columns["orderline"]
    assert {"apikey", "signinlink"} <= set(database.get_tables())
    # The rows already there keep working, and external_id is unique per table.
    database.execute_sql('UPDATE "product" SET external_id = ?', ("p1",))
    with pytest.raises(IntegrityError):
        database.execute_sql('INSERT INTO "product" (label, external_id) VALUES (?, ?)', ("y", "p1"))
    database.execute_sql('INSERT INTO "product" (label) VALUES (?)', ("no id",))  # NULLs don't collide


def test_the_models_agree_with_the_migration(tmp_path):
    """Every column the models add for the connector is one the migration adds."""
    from models import Order, OrderLine, Product, User

    database = SqliteDatabase(str(tmp_path / "old.db"))
    _before(database)
    m0003_connector.upgrade(SchemaMigrator.from_database(database), database)
    for model in (User, Product, Order, OrderLine):
        migrated = {c.name for c in database.get_columns(model._meta.table_name)}
        new = {"external_id", "full_name", "updated_at", "url", "photo_sha256"}
        wanted = {f.column_name for f in model._meta.sorted_fields} & new
        assert wanted <= migrated, model
