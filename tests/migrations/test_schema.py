"""The migrations build exactly the schema the models declare (so a forgotten migration
fails here), `m0001` is exactly the first release's schema, and every step keeps the format."""

import ast
import importlib
import inspect
import os

from playhouse.migrate import SchemaMigrator

from models import migrations
from tests.migrations.conftest import load_release1
from tests.migrations.schema import describe, differences


def build_from_models(database):
    """What the current models declare: their tables and indexes, the queue order, the search index."""
    from models import ALL_MODELS, db
    from models.catalog_version import create_catalog_version
    from models.listings import create_queue_rank
    from models.search import create_search_index

    db.database.initialize(database)  # the two functions below work on the app's database
    database.create_tables(ALL_MODELS)
    create_queue_rank()
    create_search_index()
    create_catalog_version()


def test_the_migrations_build_the_schema_the_models_declare(blank_url, open_db):
    migrated = open_db(blank_url("migrated"))
    assert migrations.upgrade(migrated) == migrations.names()
    declared = open_db(blank_url("declared"))
    build_from_models(declared)
    # Any difference means a model changed without a migration (or a migration that does something else).
    assert differences(describe(migrated), describe(declared)) == []


def test_m0001_is_the_schema_the_first_release_made(db_kind, blank_url, open_db):
    released = blank_url("released")
    load_release1(db_kind, released)  # the release's own init-db made this schema (tests/fixtures/release1)
    first = open_db(blank_url("first"))
    module = importlib.import_module(f"models.migrations.{migrations.FIRST}")
    with first.atomic():
        module.upgrade(SchemaMigrator.from_database(first), first)
    assert differences(describe(first), describe(open_db(released))) == []


def test_every_migration_keeps_the_format_and_reads_no_current_model():
    names = migrations.names()
    assert names[:2] == ["m0001_first_release", "m0002_outbox_forms_admin_role"]
    for name in names:
        module = importlib.import_module(f"models.migrations.{name}")
        assert list(inspect.signature(module.upgrade).parameters) == ["migrator", "database"], name
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0 and not (node.module or "").startswith("models"), (name, node.module)
            elif isinstance(node, ast.Import):
                assert not any(alias.name.startswith("models") for alias in node.names), name


def test_two_migrations_with_one_number_are_refused(tmp_path, monkeypatch):
    folder = tmp_path / "steps"
    folder.mkdir()
    for name in ("m0001_a.py", "m0002_b.py", "m0002_c.py", "notes.py"):
        (folder / name).write_text("def upgrade(migrator, database):\n    pass\n")
    monkeypatch.setattr(migrations, "__path__", [os.fspath(folder)])
    try:
        migrations.names()
    except migrations.MigrationError as exc:
        assert "0002" in str(exc)
    else:
        raise AssertionError("two migrations numbered 0002 were accepted")


def test_a_database_of_this_rounds_development_versions_upgrades_too(blank_url, open_db, monkeypatch):
    """Their init-db made the tables from the models (no migration table, columns of m0002 already there)."""
    dev = open_db(blank_url("dev"))
    build_from_models(dev)
    migrated = open_db(blank_url("migrated"))
    migrations.upgrade(migrated)
    # Only the steps of this round: later ones are not this test's business.
    round_two = ["m0001_first_release", "m0002_outbox_forms_admin_role"]
    monkeypatch.setattr(migrations, "names", lambda: round_two)
    assert migrations.pending(dev) == round_two[1:]
    assert migrations.upgrade(dev) == round_two[1:]
    assert differences(describe(dev), describe(migrated)) == []
    assert dev.execute_sql('SELECT COUNT(*) FROM "role" WHERE "name" = \'admin\'').fetchone()[0] == 1
