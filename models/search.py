"""Full-text search over listings' name and description, kept in step by the database.

The index is maintained by the database itself, never by Python code in a view,
so every way of writing a listing (the lifecycle, `Listing.insert_many` in the
bulk import, an admin edit) keeps it current:

* SQLite: an FTS5 table with external content (`listing_fts`, rowid = listing
  id) and three triggers on `listing` (insert, delete, update of name or
  description).
* PostgreSQL: a generated `tsvector` column `listing.search` with a GIN index.

Both use the language-neutral tokenisation (`unicode61` / `simple`), because
sellers write in several languages, and match each word of the query as a
prefix, so "jacket" finds "jackets" too.

`matching_ids(q)` gives the SQL of the ids of listings whose text matches; the
caller combines it with its own filter (the showcase: `Listing.public()`).
"""

import re

from peewee import SQL

from .db import database, is_postgres

MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 40
WORD_RE = re.compile(r"\w+", re.UNICODE)

SQLITE_SETUP = (
    """CREATE VIRTUAL TABLE listing_fts USING fts5(
        name, description, content='listing', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS listing_fts_insert AFTER INSERT ON listing BEGIN
        INSERT INTO listing_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS listing_fts_delete AFTER DELETE ON listing BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, name, description)
        VALUES ('delete', old.id, old.name, old.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS listing_fts_update AFTER UPDATE OF name, description ON listing BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, name, description)
        VALUES ('delete', old.id, old.name, old.description);
        INSERT INTO listing_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
    END""",
    # Index what was in the table before the index existed (an older database).
    "INSERT INTO listing_fts(listing_fts) VALUES ('rebuild')",
)

POSTGRES_SETUP = (
    """ALTER TABLE listing ADD COLUMN IF NOT EXISTS search tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', coalesce(name, '')), 'A')
            || setweight(to_tsvector('simple', coalesce(description, '')), 'B')
        ) STORED""",
    "CREATE INDEX IF NOT EXISTS listing_search_gin ON listing USING GIN (search)",
)


def create_search_index():
    """Create the full-text index of listings if it is missing; safe to run again."""
    real = database()
    if is_postgres():
        for statement in POSTGRES_SETUP:
            real.execute_sql(statement)
        return
    exists = real.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'listing_fts'").fetchone()
    if exists:
        return
    for statement in SQLITE_SETUP:
        real.execute_sql(statement)


def query_words(q):
    """The words of a visitor's query, lower-cased, de-duplicated, at most a few."""
    words = []
    for word in WORD_RE.findall((q or "").lower()):
        word = word.replace("_", "")[:MAX_WORD_LENGTH]
        if word and word not in words:
            words.append(word)
        if len(words) == MAX_QUERY_WORDS:
            break
    return words


def _match_expression(words):
    """The engine's query text: every word, each as a prefix (quoted, so nothing is an operator)."""
    if is_postgres():
        return " & ".join(f"{word}:*" for word in words)
    return " ".join(f'"{word}"*' for word in words)


def matching_ids(q):
    """SQL selecting the ids of listings whose name or description has every word of `q`.

    None when `q` has no words (then there is nothing to filter by).
    """
    words = query_words(q)
    if not words:
        return None
    param = database().param
    if is_postgres():
        sql = f"SELECT id FROM listing WHERE search @@ to_tsquery('simple', {param})"
    else:
        sql = f"SELECT rowid FROM listing_fts WHERE listing_fts MATCH {param}"
    # Parenthesised: it is used as `Listing.id IN (...)`.
    return SQL(f"({sql})", [_match_expression(words)])
