"""Versioned schema migrations: what `flask --app app db upgrade` applies and `db status` lists.

Each step is a module of this package named `mNNNN_short_name.py`, run in the order
of its number, with one function::

    def upgrade(migrator, database):
        ...

where `migrator` is a `playhouse.migrate.SchemaMigrator` for `database`. A step
never imports the current models (they describe the newest schema, not the one
the step starts from): for a new table it defines a small frozen peewee model of
its own and creates it, for a new column it runs `migrator.add_column(...)` with
`playhouse.migrate.migrate(...)`, for anything else it executes SQL.

The table `schema_migration` (name, applied_at) records what ran. Each step runs
in one transaction together with its record, so a step that fails leaves nothing
behind and is tried again by the next upgrade. Two upgrades at once take turns
(SQLite's write lock; a PostgreSQL advisory lock) and each step runs once.

A database made by the first release's `init-db` has no `schema_migration`
table: its tables say that `m0001_first_release` is applied, and the next
upgrade records it and applies the rest in place, keeping the data.
"""

import datetime as dt
import importlib
import pkgutil
import re
from contextlib import contextmanager

from peewee import PostgresqlDatabase
from playhouse.migrate import SchemaMigrator

TABLE = "schema_migration"
FIRST = "m0001_first_release"
# What the first release's `init-db` created (besides its search index).
FIRST_RELEASE_TABLES = frozenset(
    {
        "comment",
        "declinetemplate",
        "listing",
        "moderationevent",
        "notification",
        "order",
        "orderline",
        "outgoingmail",
        "photo",
        "product",
        "report",
        "role",
        "user",
        "userroles",
    }
)
NAME_RE = re.compile(r"^m(\d{4})_[a-z0-9_]+$")
# PostgreSQL advisory lock key held by an upgrade's transactions ("flea" in ASCII).
LOCK_KEY = 0x666C6561


class MigrationError(Exception):
    """A database that can't be upgraded as it is; the message says why. Nothing was changed."""


def names():
    """Every migration of this version of the app, in the order they run."""
    found = sorted(m.name for m in pkgutil.iter_modules(__path__) if NAME_RE.match(m.name))
    numbers = [NAME_RE.match(name).group(1) for name in found]
    clashes = sorted({n for n in numbers if numbers.count(n) > 1})
    if clashes:
        raise MigrationError(f"Two migrations share a number ({', '.join(clashes)}): renumber one of them.")
    return found


def applied(database):
    """{name: applied_at} of the migrations the database has, in order.

    `applied_at` (naive UTC) is None for the first release's schema found without a
    record: the next upgrade records it. Names unknown to this version (a database
    upgraded by a newer one) are included.
    """
    tables = set(database.get_tables())
    if TABLE in tables:
        rows = database.execute_sql(f'SELECT "name", "applied_at" FROM "{TABLE}" ORDER BY "name"')
        return {name: _as_datetime(applied_at) for name, applied_at in rows}
    if FIRST_RELEASE_TABLES <= tables:
        return {FIRST: None}
    return {}


def pending(database):
    """The names of the migrations the database lacks, in the order they would run. Reads only."""
    done = applied(database)
    return [name for name in names() if name not in done]


def upgrade(database):
    """Apply the pending migrations in order, each in its own transaction with its record.

    Returns the names applied (empty when the schema is up to date). Call it with a
    connection open and outside any transaction (SQLite can switch foreign keys off
    for a table rebuild only there).
    """
    if database.in_transaction():
        raise RuntimeError("Schema migrations run outside any transaction.")
    if TABLE not in database.get_tables():
        _create_migration_table(database)
    done = []
    for name in pending(database):
        try:
            if _apply(database, name):
                done.append(name)
        except MigrationError:
            raise
        except Exception as exc:  # any failure of a step: it was rolled back; say which step
            before = f" (applied before it: {', '.join(done)})" if done else ""
            raise MigrationError(f"{name} failed and was rolled back{before}: {exc}") from exc
    return done


def _apply(database, name):
    module = importlib.import_module(f"{__name__}.{name}")
    with _migration_transaction(database):
        if database.execute_sql(f'SELECT 1 FROM "{TABLE}" WHERE "name" = {database.param}', (name,)).fetchone():
            return False  # another upgrade applied it while this one waited for the lock
        module.upgrade(SchemaMigrator.from_database(database), database)
        _record(database, name)
    return True


def _create_migration_table(database):
    """Create `schema_migration`; on a first-release database, record `m0001` at once."""
    timestamp = "TIMESTAMP" if isinstance(database, PostgresqlDatabase) else "DATETIME"
    with _migration_transaction(database):
        tables = set(database.get_tables())
        if TABLE in tables:
            return
        ours = tables & FIRST_RELEASE_TABLES
        if ours and ours != FIRST_RELEASE_TABLES:
            missing = ", ".join(sorted(FIRST_RELEASE_TABLES - ours))
            raise MigrationError(
                f"The database has some of the first release's tables but not all (missing: {missing}); "
                "restore it from a backup, or start from an empty database."
            )
        database.execute_sql(
            f'CREATE TABLE "{TABLE}" ("name" VARCHAR(255) NOT NULL PRIMARY KEY, "applied_at" {timestamp} NOT NULL)'
        )
        if ours:
            _record(database, FIRST)


def _record(database, name):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    database.execute_sql(
        f'INSERT INTO "{TABLE}" ("name", "applied_at") VALUES ({database.param}, {database.param})', (name, str(now))
    )


@contextmanager
def _migration_transaction(database):
    """One transaction that holds the migration lock; on SQLite also with foreign keys off.

    SQLite changes a column by rebuilding its table (copy, drop, rename); with foreign
    keys on, dropping the old table would cascade to the rows that point at it. So
    they are off for the step (possible only outside a transaction) and checked
    before it commits, as SQLite's documentation prescribes for schema changes.
    """
    if isinstance(database, PostgresqlDatabase):
        with database.atomic():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            yield
        return
    foreign_keys = database.execute_sql("PRAGMA foreign_keys").fetchone()[0]
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        with database.atomic(lock_type="IMMEDIATE"):
            yield
            broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationError(f"The step would leave rows whose foreign keys point nowhere: {broken[:5]}")
    finally:
        if foreign_keys:
            database.execute_sql("PRAGMA foreign_keys = ON")


def _as_datetime(value):
    # SQLite gives the text back, PostgreSQL a datetime.
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
