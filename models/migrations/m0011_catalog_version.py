"""The catalog version: one row (`catalog_version`, id 1) whose number changes with every
write visitors could see, in the same transaction, by triggers on the tables public pages
are made of. The anonymous page cache (web/cache.py) keys its entries by it.

Kept in step with `models.catalog_version` (the current models' copy of the same SQL).
"""

import time

# What public pages show: listings, their comments, photos and products, the order line
# and order a listing comes from ("Bought in"), and the seller's name and block.
TABLES = ("listing", "listingphoto", "comment", "photo", "product", "orderline", "order")
USER_COLUMNS = ("username", "full_name", "blocked_at", "active")
BUMP = "UPDATE catalog_version SET version = version + 1 WHERE id = 1"


def sqlite_statements():
    yield "CREATE TABLE IF NOT EXISTS catalog_version (id INTEGER NOT NULL PRIMARY KEY, version BIGINT NOT NULL)"
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            yield (
                f'CREATE TRIGGER IF NOT EXISTS catalog_{table}_{event.lower()} AFTER {event} ON "{table}" '
                f"BEGIN {BUMP}; END"
            )
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in USER_COLUMNS)
    yield f'CREATE TRIGGER IF NOT EXISTS catalog_user_update AFTER UPDATE ON "user" WHEN {changed} BEGIN {BUMP}; END'
    yield f'CREATE TRIGGER IF NOT EXISTS catalog_user_delete AFTER DELETE ON "user" BEGIN {BUMP}; END'


def postgres_statements():
    yield "CREATE TABLE IF NOT EXISTS catalog_version (id INTEGER NOT NULL PRIMARY KEY, version BIGINT NOT NULL)"
    yield (
        "CREATE OR REPLACE FUNCTION catalog_bump() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    for table in TABLES:
        # Once per statement: a bulk insert of 100,000 rows bumps once.
        yield (
            f'CREATE OR REPLACE TRIGGER catalog_{table} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION catalog_bump()"
        )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in USER_COLUMNS)
    # Per row, so that a login (which saves the whole user row) bumps nothing.
    yield (
        f'CREATE OR REPLACE TRIGGER catalog_user_update AFTER UPDATE ON "user" FOR EACH ROW '
        f"WHEN ({changed}) EXECUTE FUNCTION catalog_bump()"
    )
    yield (
        'CREATE OR REPLACE TRIGGER catalog_user_delete AFTER DELETE ON "user" '
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog_bump()"
    )


def first_version():
    # Milliseconds since 1970: a new or restored database never starts at a number a
    # shared cache already holds pages for.
    return int(time.time() * 1000)


def upgrade(migrator, database):
    from peewee import PostgresqlDatabase

    statements = postgres_statements if isinstance(database, PostgresqlDatabase) else sqlite_statements
    for statement in statements():
        database.execute_sql(statement)
    exists = database.execute_sql("SELECT 1 FROM catalog_version WHERE id = 1").fetchone()
    if not exists:
        database.execute_sql(f"INSERT INTO catalog_version (id, version) VALUES (1, {int(first_version())})")
