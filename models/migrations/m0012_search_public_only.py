"""SQLite's search index holds the public (Approved) listings only: its triggers follow
`status` as well as `search_text`, and it is filled again from the Approved rows. A
search's count is then the index's own, and a word common in the hidden part of the
catalog costs nothing. PostgreSQL's GIN index is left as it is.
"""

from peewee import PostgresqlDatabase

# models.search builds a new database's index with these same statements.
PUBLIC = "'approved'"
TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_insert AFTER INSERT ON listing
        WHEN new.status = {PUBLIC} BEGIN
        INSERT INTO listing_fts(rowid, search_text) VALUES (new.id, coalesce(new.search_text, ''));
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_delete AFTER DELETE ON listing
        WHEN old.status = {PUBLIC} BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, search_text)
        VALUES ('delete', old.id, coalesce(old.search_text, ''));
    END""",
    # The external-content index must be told exactly what it holds to remove it: the old
    # text, and only if the old row was in it.
    f"""CREATE TRIGGER IF NOT EXISTS listing_fts_update AFTER UPDATE OF search_text, status ON listing
        WHEN old.status = {PUBLIC} OR new.status = {PUBLIC} BEGIN
        INSERT INTO listing_fts(listing_fts, rowid, search_text)
        SELECT 'delete', old.id, coalesce(old.search_text, '') WHERE old.status = {PUBLIC};
        INSERT INTO listing_fts(rowid, search_text)
        SELECT new.id, coalesce(new.search_text, '') WHERE new.status = {PUBLIC};
    END""",
)
# The index emptied and filled with the public rows ('rebuild' would index every row).
FILL = (
    "INSERT INTO listing_fts(listing_fts) VALUES ('delete-all')",
    f"INSERT INTO listing_fts(rowid, search_text) SELECT id, coalesce(search_text, '') FROM listing"
    f" WHERE status = {PUBLIC}",
)
STATEMENTS = (
    "DROP TRIGGER IF EXISTS listing_fts_insert",
    "DROP TRIGGER IF EXISTS listing_fts_delete",
    "DROP TRIGGER IF EXISTS listing_fts_update",
    *TRIGGERS,
    *FILL,
)


def upgrade(migrator, database):
    if isinstance(database, PostgresqlDatabase):
        return
    for statement in STATEMENTS:
        database.execute_sql(statement)
