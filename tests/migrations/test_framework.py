"""How steps run: a failing one leaves nothing behind, SQLite's table rebuilds keep the rows
that point at the table, two upgrades at once apply each step once, a database that is not
one of ours is refused untouched, and `init-db` on an empty database is `db upgrade`."""

import sys
import threading
import traceback

import pytest

from models import migrations
from tests.migrations.conftest import load_release1
from tests.migrations.schema import describe, differences

BROKEN = """
from peewee import CharField
from playhouse.migrate import migrate


def upgrade(migrator, database):
    database.execute_sql('CREATE TABLE "half_done" ("id" INTEGER PRIMARY KEY)')
    migrate(migrator.add_column("listing", "half_column", CharField(null=True)))
    raise RuntimeError("something went wrong halfway")
"""

# A NOT NULL column with a default: on SQLite below 3.53 peewee rebuilds the table (copy, drop, rename).
REBUILD_USER = """
from peewee import CharField
from playhouse.migrate import migrate


def upgrade(migrator, database):
    migrate(migrator.add_column("user", "nickname", CharField(max_length=20, default="friend")))
"""


@pytest.fixture
def extra_step(tmp_path, monkeypatch):
    """Add a step to the package for one test (numbered past any real one)."""
    folder = tmp_path / "extra_steps"
    folder.mkdir()
    monkeypatch.setattr(migrations, "__path__", [*migrations.__path__, str(folder)])
    added = []

    def _add(name, source):
        (folder / f"{name}.py").write_text(source)
        added.append(name)
        return name

    yield _add
    for name in added:
        sys.modules.pop(f"models.migrations.{name}", None)


def count(database, table):
    return database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]


def test_a_failing_step_is_rolled_back_with_its_record(blank_url, open_db, extra_step):
    database = open_db(blank_url())
    name = extra_step("m9998_broken", BROKEN)
    with pytest.raises(migrations.MigrationError) as failure:
        migrations.upgrade(database)
    message = str(failure.value)
    assert message.startswith(f"{name} failed and was rolled back (applied before it: m0001_first_release")
    assert message.endswith("something went wrong halfway")
    # The steps before it stay applied; of it, nothing: no table, no column, no record.
    assert list(migrations.applied(database)) == [n for n in migrations.names() if n != name]
    assert "half_done" not in database.get_tables()
    assert "half_column" not in {c.name for c in database.get_columns("listing")}
    assert migrations.pending(database) == [name]


def test_a_table_rebuild_keeps_the_rows_that_point_at_the_table(db_kind, blank_url, open_db, extra_step):
    url = blank_url()
    load_release1(db_kind, url)
    database = open_db(url)
    before = {table: count(database, table) for table in ("order", "listing", "comment", "userroles")}
    extra_step("m9997_user_nickname", REBUILD_USER)
    migrations.upgrade(database)
    # With foreign keys on, dropping the old "user" table would have deleted (cascaded) all of these.
    assert {table: count(database, table) for table in before} == before
    assert {n for (n,) in database.execute_sql('SELECT DISTINCT "nickname" FROM "user"')} == {"friend"}
    if db_kind == "sqlite":
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1  # on again afterwards


def test_two_upgrades_at_once_apply_each_step_once(blank_url, open_db):
    url = blank_url()
    # The file exists (in WAL mode) before the race, as it does once an app has opened it:
    # the race under test is the migration lock's, not two first opens switching the journal.
    open_db(url).close()
    results, errors = [], []

    def run():
        try:
            results.append(migrations.upgrade(open_db(url)))
        except Exception:  # reported below, with where it was raised
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(results[0] + results[1]) == migrations.names()
    assert migrations.pending(open_db(url)) == []


def test_a_database_with_part_of_the_first_release_is_refused_untouched(db_kind, blank_url, open_db, make_app):
    url = blank_url()
    database = open_db(url)
    database.execute_sql('CREATE TABLE "user" ("id" INTEGER PRIMARY KEY, "email" VARCHAR(255))')
    with pytest.raises(migrations.MigrationError, match="some of the first release's tables but not all"):
        migrations.upgrade(database)
    assert database.get_tables() == ["user"]
    app = make_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "Error: The database has some of the first release's tables but not all (missing: comment," in result.output


def test_init_db_on_an_empty_database_is_db_upgrade_plus_the_admin_role(blank_url, open_db, make_app, tmp_path):
    outputs = {}
    for command in (["init-db"], ["db", "upgrade"]):
        url = blank_url(command[-1])
        app = make_app({"DATABASE_URL": url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / command[-1])})
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
        outputs[command[-1]] = (result.output, open_db(url))
    init_output, init_db = outputs["init-db"]
    upgrade_output, upgraded_db = outputs["upgrade"]
    applied = "".join(f"Applied {name}\n" for name in migrations.names())
    assert init_output == applied + "Database ready.\n" and upgrade_output == applied
    assert differences(describe(init_db), describe(upgraded_db)) == []
    for database in (init_db, upgraded_db):
        roles = database.execute_sql('SELECT "name", "description" FROM "role"').fetchall()
        assert roles == [("admin", "Store administrator")]


def test_db_status_names_pending_steps_and_steps_of_a_newer_version(blank_url, open_db, make_app):
    url = blank_url()
    database = open_db(url)
    migrations.upgrade(database)
    last = migrations.names()[-1]
    database.execute_sql(f'DELETE FROM "schema_migration" WHERE "name" = \'{last}\'')
    database.execute_sql(
        'INSERT INTO "schema_migration" ("name", "applied_at") VALUES (\'m9999_from_later\', \'2030-01-02 03:04:05\')'
    )
    result = make_app({"DATABASE_URL": url, "SECRET_KEY": "x"}).test_cli_runner().invoke(args=["db", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[:2] for line in lines[:-2]] == [[n, "applied"] for n in migrations.names()[:-1]] + [
        [last, "pending"]
    ]
    assert lines[-2].split(None, 1) == [
        "m9999_from_later",
        "applied 2030-01-02 03:04:05 UTC, unknown to this version of the app",
    ]
    assert lines[-1] == "1 pending: run flask --app app db upgrade"


def test_the_readme_first_admin_on_a_new_install_after_db_upgrade(blank_url, make_app):
    """`db upgrade` on an empty database, then the README's two Flask-Security commands."""
    from tests.conftest import login

    app = make_app({"DATABASE_URL": blank_url(), "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    created = runner.invoke(
        args=["users", "create", "--username", "boss", "boss@example.com", "--password", "Tr1cky-pass-9", "--active"]
    )
    assert created.exit_code == 0, created.output
    granted = runner.invoke(args=["roles", "add", "boss@example.com", "admin"])
    assert granted.exit_code == 0, granted.output
    client = app.test_client()
    assert login(client, "boss", "Tr1cky-pass-9").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_db_commands_say_when_the_database_does_not_answer(tmp_path, make_app):
    app = make_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-folder' / 'flea.db'}"})
    for command in (["db", "status"], ["db", "upgrade"], ["init-db"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: The database does not answer: unable to open database file"), command
