"""Search by word form: `listing.search_text` (the lemmas of name, description and the
product's name) is added and filled for every listing, and the full-text index is
rebuilt over it (SQLite: `listing_fts` and its triggers; PostgreSQL: the generated
`search` tsvector and its GIN index)."""

import re

import simplemma
from peewee import PostgresqlDatabase, TextField
from playhouse.migrate import migrate

# Frozen copy of the normalisation of models.search at this step (the models may change later).
WORD_RE = re.compile(r"\w+", re.UNICODE)
MAX_WORD_LENGTH = 40
LANGUAGES = ("en", "ru")
BATCH = 1000


def _search_words(*texts):
    seen = {}
    for text in texts:
        for word in WORD_RE.findall((text or "").lower()):
            word = word.replace("_", "")[:MAX_WORD_LENGTH]
            if not word:
                continue
            seen[simplemma.lemmatize(word, lang=LANGUAGES).lower()] = None
            seen[word] = None
    return " ".join(seen)


SQLITE_BEFORE = (
    "DROP TRIGGER IF EXISTS listing_fts_insert",
    "DROP TRIGGER IF EXISTS listing_fts_delete",
    "DROP TRIGGER IF EXISTS listing_fts_update",
    "DROP TABLE IF EXISTS listing_fts",
)
SQLITE_AFTER = (
    """CREATE VIRTUAL TABLE listing_fts USING fts5(
        search_text, content='listing', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS listing_fts_insert AFTER INSERT ON listing BEGIN
        INSERT INTO listing_fts(rowid, search_text) VALUES (new.id, coalesce(new.search_text, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS listing_fts_delete AFTER DELETE ON listing BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, search_text)
        VALUES ('delete', old.id, coalesce(old.search_text, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS listing_fts_update AFTER UPDATE OF search_text ON listing BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, search_text)
        VALUES ('delete', old.id, coalesce(old.search_text, ''));
        INSERT INTO listing_fts(rowid, search_text) VALUES (new.id, coalesce(new.search_text, ''));
    END""",
    "INSERT INTO listing_fts(listing_fts) VALUES ('rebuild')",
)
POSTGRES_BEFORE = ("ALTER TABLE listing DROP COLUMN IF EXISTS search",)  # drops its GIN index too
POSTGRES_AFTER = (
    """ALTER TABLE listing ADD COLUMN search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED""",
    "CREATE INDEX listing_search_gin ON listing USING GIN (search)",
)


def _fill(database):
    """Every listing's search words, a batch of rows at a time (keyset on id)."""
    last = 0
    param = database.param
    while True:
        rows = database.execute_sql(
            "SELECT listing.id, listing.name, listing.description, product.name FROM listing"
            " JOIN orderline ON orderline.id = listing.order_line_id JOIN product ON product.id = orderline.product_id"
            f" WHERE listing.id > {param} ORDER BY listing.id LIMIT {BATCH}",
            (last,),
        ).fetchall()
        if not rows:
            return
        for listing_id, name, description, product_name in rows:
            database.execute_sql(
                f"UPDATE listing SET search_text = {param} WHERE id = {param}",
                (_search_words(name, description, product_name), listing_id),
            )
        last = rows[-1][0]


def upgrade(migrator, database):
    postgres = isinstance(database, PostgresqlDatabase)
    for statement in POSTGRES_BEFORE if postgres else SQLITE_BEFORE:
        database.execute_sql(statement)
    migrate(migrator.add_column("listing", "search_text", TextField(null=True)))
    _fill(database)
    for statement in POSTGRES_AFTER if postgres else SQLITE_AFTER:
        database.execute_sql(statement)
