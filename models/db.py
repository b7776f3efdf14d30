"""The database handle every model binds to, and how a real database is opened.

`db` is created bare at import time and bound to an actual database in
`create_app()`, so tests and workers can each point it somewhere else.
"""

import io
from contextlib import contextmanager

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.flask_utils import FlaskDB

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers never block the writer
    "foreign_keys": 1,
    "busy_timeout": 10000,  # wait for the write lock instead of failing at once
    "synchronous": "normal",  # safe with WAL, much faster than FULL
    # 8 MB of pages per connection: the indexes pages read most (showcase, search) fit, and
    # the rest comes from the OS's file cache; 32 MB took a worker past 150 MB resident after
    # 10 minutes of bench/run's mix at 100,000 listings (172 MB).
    "cache_size": -8000,
}


def _is_static(endpoint):
    """The app's `static` endpoint and any blueprint's (`admin.static`)."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


class AppDB(FlaskDB):
    """FlaskDB that tolerates a connection already opened by a CLI command or test,
    and opens none for static files (they are served while the database is down)."""

    def connect_db(self):
        from flask import request

        if _is_static(request.endpoint) or (self._excluded_routes and request.endpoint in self._excluded_routes):
            return
        self.database.connect(reuse_if_open=True)

    def close_db(self, exc):
        # Always: a connection opened by a query outside the hooks (an error page for a
        # missing static file asks for the user) must go back to the pool too.
        if not self.database.is_closed():
            self.database.close()


db = AppDB()
# Touch the Model property once so that it is bound to a Proxy we can initialise later.
BaseModel = db.Model


POOL_OPTIONS = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}


def open_database(url, connect_timeout=None, statement_timeout=None):
    """Open a peewee database from a `playhouse.db_url` address, with a connection pool.

    FlaskDB connects and closes once per request; with a pool, "close" hands the
    connection back instead of tearing it down, so a request pays neither a new
    PostgreSQL connection nor SQLite's pragmas again.

    On PostgreSQL `connect_timeout` and `statement_timeout` (seconds) bound how long
    a request waits for a frozen or overloaded server: it ends in seconds with the
    "temporarily unavailable" page instead of hanging a worker.
    """
    scheme, sep, rest = url.partition("://")
    if sep and "+pool" not in scheme and scheme in ("sqlite", "postgres", "postgresql"):
        url = f"{scheme}+pool://{rest}"
    if url.startswith("sqlite"):
        # A pooled connection may serve another thread later (one thread at a time).
        return connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False, **POOL_OPTIONS)
    return connect(url, **POOL_OPTIONS, **_postgres_timeouts(url, connect_timeout, statement_timeout))


def _postgres_timeouts(url, connect_timeout, statement_timeout):
    """psycopg2 arguments for the timeouts, keeping `options` the address already has."""
    from playhouse.db_url import parse

    params = {}
    if connect_timeout:
        params["connect_timeout"] = max(1, round(connect_timeout))
    if statement_timeout:
        options = parse(url).get("options", "")
        params["options"] = f"{options} -c statement_timeout={int(statement_timeout * 1000)}".strip()
    return params


def close_all():
    """Close every pooled connection (tests, and before a worker forks)."""
    real = database()
    if hasattr(real, "close_all"):
        real.close_all()


def database():
    """The real database object behind the proxy."""
    return db.database.obj


def is_postgres():
    return isinstance(database(), PostgresqlDatabase)


def is_sqlite():
    return isinstance(database(), SqliteDatabase)


@contextmanager
def write_transaction():
    """A transaction that takes the write lock up front.

    On SQLite `BEGIN IMMEDIATE` serialises writers from the start, so a
    read-check-write sequence (quantity left on an order line) cannot be
    interleaved by another writer. On PostgreSQL the caller locks the rows it
    depends on with `SELECT ... FOR UPDATE`.
    """
    real = database()
    if isinstance(real, SqliteDatabase) and real.transaction_depth() == 0:
        with real.atomic(lock_type="IMMEDIATE") as txn:
            yield txn
    else:
        with real.atomic() as txn:
            yield txn


def after_commit(fn):
    """Run `fn` once the current transaction commits (at once outside one)."""
    database().after_commit(fn)


def next_id(model):
    """The id after the highest one in use (for bulk inserts with explicit ids)."""
    last = model.select(model.id).order_by(model.id.desc()).limit(1).scalar()
    return (last or 0) + 1


def reset_sequence(model):
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if is_postgres():
        table = model._meta.table_name
        database().execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
        )


def _copy_value(value):
    """One value in PostgreSQL's COPY text format (NULL as \\N, backslash escapes)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)  # datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]', Decimals exact
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def insert_rows(model, fields, rows):
    """INSERT many rows (sequences of values in the order of `fields`) with the SQL built once.

    For bulk loads (the demo's 100,000 listings): peewee's `insert_many` builds a node
    per value and renders them all into one statement per batch, which cost more than
    the database took to store the rows. Fields not given get their defaults and values
    go through each field's `db_value`, as with peewee's own inserts; SQLite gets one prepared statement run per row
    (`executemany`), PostgreSQL one `COPY ... FROM STDIN`.
    """
    real = database()
    # Fields left out get their defaults, a callable one called per row (as insert_many does).
    given = {field.name for field in fields}  # by name: `field in list` would compare with SQL `==`
    defaults = [(f, d) for f, d in model._meta.defaults.items() if f.name not in given]
    fields = list(fields) + [f for f, _default in defaults]
    converters = [field.db_value for field in fields]
    values = []
    for row in rows:
        if defaults:
            row = list(row) + [d() if callable(d) else d for _field, d in defaults]
        values.append(tuple(convert(value) for convert, value in zip(converters, row, strict=True)))
    if not values:
        return 0
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    table = f'"{model._meta.table_name}"'
    cursor = real.cursor()
    if is_postgres():
        # COPY: no statement to parse per batch, the rows streamed as text.
        text = "".join("\t".join(map(_copy_value, row)) + "\n" for row in values)
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))
    else:
        marks = ", ".join("?" * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
    return len(values)
