"""The database handle every model binds to, and how a real database is opened.

`db` is created bare at import time and bound to an actual database in
`create_app()`, so tests and workers can each point it somewhere else.
"""

import itertools
from contextlib import contextmanager

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.flask_utils import FlaskDB

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers never block the writer
    "foreign_keys": 1,
    "busy_timeout": 10000,  # wait for the write lock instead of failing at once
    "synchronous": "normal",  # safe with WAL, much faster than FULL
    "cache_size": -32000,  # 32 MB page cache per connection
}


class AppDB(FlaskDB):
    """FlaskDB that tolerates a connection already opened by a CLI command or test."""

    def connect_db(self):
        from flask import request

        if self._excluded_routes and request.endpoint in self._excluded_routes:
            return
        self.database.connect(reuse_if_open=True)


db = AppDB()
# Touch the Model property once so that it is bound to a Proxy we can initialise later.
BaseModel = db.Model


POOL_OPTIONS = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}


def open_database(url):
    """Open a peewee database from a `playhouse.db_url` address, with a connection pool.

    FlaskDB connects and closes once per request; with a pool, "close" hands the
    connection back instead of tearing it down, so a request pays neither a new
    PostgreSQL connection nor SQLite's pragmas again.
    """
    scheme, sep, rest = url.partition("://")
    if sep and "+pool" not in scheme and scheme in ("sqlite", "postgres", "postgresql"):
        url = f"{scheme}+pool://{rest}"
    if url.startswith("sqlite"):
        # A pooled connection may serve another thread later (one thread at a time).
        return connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False, **POOL_OPTIONS)
    return connect(url, **POOL_OPTIONS)


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


class CompiledQuery:
    """A query whose SQL is built once; each call only binds new values and runs it.

    peewee builds a query's SQL anew on every execution. For the joined queries of
    the item page and the showcase cards that costs several times more than the
    database takes to answer (2.3 ms against 0.5 ms for a seven-table join on
    SQLite). `build` receives placeholder ints (or lists of them) and returns the
    query; the SQL is compiled once per database kind and argument shape, then
    reused with the real values in their places.
    """

    _SENTINEL = -987_654_321_000

    def __init__(self, build):
        self.build = build
        self._compiled = {}

    def _compile(self, shape):
        counter = itertools.count()
        slots = {}
        markers = []
        for position, size in enumerate(shape):
            if size is None:
                marker = self._SENTINEL - next(counter)
                slots[marker] = (position, None)
                markers.append(marker)
            else:
                items = []
                for index in range(size):
                    marker = self._SENTINEL - next(counter)
                    slots[marker] = (position, index)
                    items.append(marker)
                markers.append(items)
        query = self.build(*markers)
        sql, params = query.sql()
        places = [(i, slots[value]) for i, value in enumerate(params) if isinstance(value, int) and value in slots]
        if len(places) != len(slots):
            raise ValueError("every placeholder must appear once in the query's parameters")
        return query, sql, params, places

    def __call__(self, *args):
        """Run with these values (ints, or lists of ints); return the model rows."""
        shape = tuple(len(a) if isinstance(a, (list, tuple)) else None for a in args)
        key = (type(database()), shape)
        entry = self._compiled.get(key)
        if entry is None:
            entry = self._compiled[key] = self._compile(shape)
        query, sql, params, places = entry
        values = list(params)
        for i, (position, index) in places:
            values[i] = args[position] if index is None else args[position][index]
        return list(query._get_cursor_wrapper(database().execute_sql(sql, values)))
