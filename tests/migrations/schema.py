"""A database's schema as plain data, so two databases can be compared with `==`.

Tables with their columns (type, null, default, primary key; generated columns
with their expression), foreign keys with their actions, indexes, triggers and
SQLite's virtual tables: everything the app relies on, read from the database's
own catalog. Column order is left out (a column added by a migration comes last),
and so is the migrations' own bookkeeping table.
"""

import re

from peewee import PostgresqlDatabase

from models.migrations import TABLE


def _sql(text):
    """SQL text as written by whoever made the object, without cosmetic differences."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return re.sub(r"\bIF NOT EXISTS\s+", "", text, flags=re.I)


def describe(database):
    if isinstance(database, PostgresqlDatabase):
        return _describe_postgres(database)
    return _describe_sqlite(database)


def _describe_sqlite(database):
    run = database.execute_sql
    tables, columns, foreign_keys = [], {}, {}
    for (name,) in run("SELECT name FROM sqlite_master WHERE type = 'table' AND name != ? ORDER BY name", (TABLE,)):
        tables.append(name)
        # table_xinfo also lists generated columns (hidden 2 or 3), which table_info leaves out.
        columns.update({(name, row[1]): row[2:] for row in run(f'PRAGMA table_xinfo("{name}")')})
        foreign_keys[name] = sorted(row[2:] for row in run(f'PRAGMA foreign_key_list("{name}")'))
    objects = {
        (kind, name): (table, _sql(sql))
        for kind, name, table, sql in run(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type != 'table' AND tbl_name != ?", (TABLE,)
        )
    }
    virtual = {
        name: _sql(sql)
        for name, sql in run("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")
    }
    return {"tables": tables, "columns": columns, "foreign_keys": foreign_keys, "objects": objects, "virtual": virtual}


def _describe_postgres(database):
    run = database.execute_sql
    schema = run("SELECT current_schema()").fetchone()[0]

    def unqualified(text):
        return (text or "").replace(f"{schema}.", "").replace(f'"{schema}".', "")

    rows = run(
        "SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, "
        "is_nullable, column_default, is_generated, generation_expression "
        "FROM information_schema.columns WHERE table_schema = %s AND table_name != %s",
        (schema, TABLE),
    )
    columns = {(table, column): tuple(unqualified(str(v)) for v in rest) for table, column, *rest in rows}
    tables = sorted({table for table, _column in columns})
    constraints = run(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = %s::regnamespace AND conrelid::regclass::text != %s",
        (schema, TABLE),
    )
    objects = {("constraint", unqualified(t), name): (kind, unqualified(d)) for t, name, kind, d in constraints}
    indexes = run(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND tablename != %s",
        (schema, TABLE),
    )
    objects.update({("index", table, name): unqualified(definition) for table, name, definition in indexes})
    triggers = run(
        "SELECT event_object_table, trigger_name, event_manipulation, action_timing, action_statement "
        "FROM information_schema.triggers WHERE trigger_schema = %s",
        (schema,),
    )
    objects.update({("trigger", t, name): tuple(rest) for t, name, *rest in triggers})
    sequences = run("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = %s", (schema,))
    return {"tables": tables, "columns": columns, "objects": objects, "sequences": sorted(s for (s,) in sequences)}


def differences(built, wanted):
    """What `built` lacks or has different from `wanted`, and what it has in excess, by section."""
    found = []
    for section in sorted(set(built) | set(wanted)):
        ours, theirs = built.get(section), wanted.get(section)
        if isinstance(theirs, dict) and isinstance(ours, dict):
            for key in sorted(set(ours) | set(theirs), key=repr):
                if ours.get(key) != theirs.get(key):
                    found.append(f"{section} {key!r}: built {ours.get(key)!r}, declared {theirs.get(key)!r}")
        elif ours != theirs:
            found.append(f"{section}: built {ours!r}, declared {theirs!r}")
    return found
