"""Two speed helpers for the read side, private to `models/`.

Each returns exactly what running the plain peewee query returns (same rows,
same order, same row type); `tests/models/test_catalog.py` checks that.
"""

import itertools

from .db import database, is_postgres


class CompiledQuery:
    """A query whose SQL is built once; each call only binds new values and runs it.

    peewee builds a query's SQL anew on every execution, and for the wide joins
    of the item page, the cards and the admin list building it costs more than
    the database takes to answer. `build` receives placeholder ints (or lists of
    them) and returns the query; the SQL is compiled once per database kind and
    argument shape, then reused with the real values in their places.
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
        """Run with these values (ints, or lists of ints); return the rows as the query would."""
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


def _run_with(query, hint):
    """Run a select over `listing` (as "t1") with an index hint; PostgreSQL plans by itself."""
    if is_postgres():
        return list(query)
    sql, params = query.sql()
    table = '"listing" AS "t1"'
    if table not in sql:
        return list(query)
    sql = sql.replace(table, f"{table} {hint}", 1)
    return list(query._get_cursor_wrapper(database().execute_sql(sql, params)))


def rows_by_index(query, index):
    """Run a select over `listing` with SQLite walking `index` (the query's sort order).

    For a search with many matches: the planner would look every match up by id
    and sort them all; walking the sort order's index and testing each entry
    against the matches stops as soon as the page is full.
    """
    return _run_with(query, f'INDEXED BY "{index}"')


def rows_by_rowid(query):
    """Run a select over `listing`, with SQLite looking rows up by id only.

    Without statistics SQLite's planner takes any equality on an indexed column
    (the status) as very selective and walks that index over the whole table,
    even when the query names the rows by id (`id IN (...)`, a full-text match,
    a range of ids). `NOT INDEXED` leaves it the primary key only, so the cost
    follows the rows named. PostgreSQL's planner chooses well by itself. The rows
    come back in the query's own row type (tuples, namedtuples, models).
    """
    return _run_with(query, "NOT INDEXED")
