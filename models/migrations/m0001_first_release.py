"""The first release's schema (commit aa6305f), as its `init-db` made it on each database.

Frozen: these are the statements that release ran, in its order, so a database
built here and one built by that release are the same. It never changes, and it
never reads the current models (they describe a later schema).
"""

from peewee import PostgresqlDatabase

# The column types peewee wrote on each database; the statements below are otherwise the same on both.
TYPES = {
    "sqlite": {
        "pk": "INTEGER NOT NULL PRIMARY KEY",
        "boolean": "INTEGER",
        "timestamp": "DATETIME",
        "decimal": "DECIMAL(12, 2)",
    },
    "postgres": {
        "pk": "SERIAL NOT NULL PRIMARY KEY",
        "boolean": "BOOLEAN",
        "timestamp": "TIMESTAMP",
        "decimal": "NUMERIC(12, 2)",
    },
}

# The tables in the order that release created them, each followed by its indexes.
TABLES = (
    (
        'CREATE TABLE IF NOT EXISTS "user" ("id" {pk}, "email" VARCHAR(255) NOT NULL, "username" VARCHAR(64), '
        '"password" VARCHAR(255), "active" {boolean} NOT NULL, "fs_uniquifier" VARCHAR(64) NOT NULL, '
        '"confirmed_at" {timestamp}, "last_login_at" {timestamp}, "current_login_at" {timestamp}, '
        '"last_login_ip" VARCHAR(64), "current_login_ip" VARCHAR(64), "login_count" INTEGER, "locale" VARCHAR(8), '
        '"created_at" {timestamp} NOT NULL)'
    ),
    'CREATE UNIQUE INDEX IF NOT EXISTS "user_email" ON "user" ("email")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "user_username" ON "user" ("username")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "user_fs_uniquifier" ON "user" ("fs_uniquifier")',
    (
        'CREATE TABLE IF NOT EXISTS "order" ("id" {pk}, "user_id" INTEGER NOT NULL, "number" VARCHAR(32) NOT NULL, '
        '"status" VARCHAR(16) NOT NULL, "created_at" {timestamp} NOT NULL, "completed_at" {timestamp}, '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE)'
    ),
    'CREATE INDEX IF NOT EXISTS "order_user_id" ON "order" ("user_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "order_number" ON "order" ("number")',
    'CREATE INDEX IF NOT EXISTS "order_status" ON "order" ("status")',
    'CREATE INDEX IF NOT EXISTS "order_user_id_created_at" ON "order" ("user_id", "created_at")',
    (
        'CREATE TABLE IF NOT EXISTS "photo" ("id" {pk}, "stem" VARCHAR(40) NOT NULL, "ext" VARCHAR(8) NOT NULL, '
        '"width" INTEGER NOT NULL, "height" INTEGER NOT NULL, "uploaded_by_id" INTEGER, '
        '"created_at" {timestamp} NOT NULL, FOREIGN KEY ("uploaded_by_id") REFERENCES "user" ("id") ON DELETE SET NULL)'
    ),
    'CREATE UNIQUE INDEX IF NOT EXISTS "photo_stem" ON "photo" ("stem")',
    'CREATE INDEX IF NOT EXISTS "photo_uploaded_by_id" ON "photo" ("uploaded_by_id")',
    (
        'CREATE TABLE IF NOT EXISTS "product" ("id" {pk}, "name" VARCHAR(200) NOT NULL, "description" TEXT NOT NULL, '
        '"price" {decimal} NOT NULL, "photo_id" INTEGER, "created_at" {timestamp} NOT NULL, '
        'FOREIGN KEY ("photo_id") REFERENCES "photo" ("id") ON DELETE SET NULL)'
    ),
    'CREATE INDEX IF NOT EXISTS "product_photo_id" ON "product" ("photo_id")',
    (
        'CREATE TABLE IF NOT EXISTS "orderline" ("id" {pk}, "order_id" INTEGER NOT NULL, '
        '"product_id" INTEGER NOT NULL, "price" {decimal} NOT NULL, "quantity" INTEGER NOT NULL, '
        'FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE RESTRICT)'
    ),
    'CREATE INDEX IF NOT EXISTS "orderline_order_id" ON "orderline" ("order_id")',
    'CREATE INDEX IF NOT EXISTS "orderline_product_id" ON "orderline" ("product_id")',
    (
        'CREATE TABLE IF NOT EXISTS "listing" ("id" {pk}, "owner_id" INTEGER NOT NULL, '
        '"order_line_id" INTEGER NOT NULL, "name" VARCHAR(200) NOT NULL, "description" TEXT NOT NULL, '
        '"price" {decimal} NOT NULL, "quantity" INTEGER NOT NULL, "photo_id" INTEGER, "status" VARCHAR(16) NOT NULL, '
        '"decline_reason" TEXT, "created_at" {timestamp} NOT NULL, "updated_at" {timestamp} NOT NULL, '
        '"published_at" {timestamp}, "version" INTEGER NOT NULL, "approved_snapshot" TEXT, '
        'FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("order_line_id") REFERENCES "orderline" ("id") ON DELETE RESTRICT, '
        'FOREIGN KEY ("photo_id") REFERENCES "photo" ("id") ON DELETE SET NULL)'
    ),
    'CREATE INDEX IF NOT EXISTS "listing_owner_id" ON "listing" ("owner_id")',
    'CREATE INDEX IF NOT EXISTS "listing_order_line_id" ON "listing" ("order_line_id")',
    'CREATE INDEX IF NOT EXISTS "listing_photo_id" ON "listing" ("photo_id")',
    'CREATE INDEX IF NOT EXISTS "listing_status_published_at_id" ON "listing" ("status", "published_at", "id")',
    'CREATE INDEX IF NOT EXISTS "listing_status_price_id" ON "listing" ("status", "price", "id")',
    'CREATE INDEX IF NOT EXISTS "listing_owner_id_created_at" ON "listing" ("owner_id", "created_at")',
    'CREATE INDEX IF NOT EXISTS "listing_status_created_at" ON "listing" ("status", "created_at")',
    (
        'CREATE TABLE IF NOT EXISTS "comment" ("id" {pk}, "listing_id" INTEGER NOT NULL, "author_id" INTEGER NOT NULL, '
        '"parent_id" INTEGER, "body" TEXT NOT NULL, "created_at" {timestamp} NOT NULL, "deleted_at" {timestamp}, '
        'FOREIGN KEY ("listing_id") REFERENCES "listing" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("author_id") REFERENCES "user" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("parent_id") REFERENCES "comment" ("id") ON DELETE CASCADE)'
    ),
    'CREATE INDEX IF NOT EXISTS "comment_listing_id" ON "comment" ("listing_id")',
    'CREATE INDEX IF NOT EXISTS "comment_author_id" ON "comment" ("author_id")',
    'CREATE INDEX IF NOT EXISTS "comment_parent_id" ON "comment" ("parent_id")',
    'CREATE INDEX IF NOT EXISTS "comment_listing_id_created_at" ON "comment" ("listing_id", "created_at")',
    (
        'CREATE TABLE IF NOT EXISTS "declinetemplate" ("id" {pk}, "title" VARCHAR(100) NOT NULL, "text" TEXT NOT NULL, '
        '"position" INTEGER NOT NULL, "created_at" {timestamp} NOT NULL)'
    ),
    (
        'CREATE TABLE IF NOT EXISTS "moderationevent" ("id" {pk}, "listing_id" INTEGER NOT NULL, "actor_id" INTEGER, '
        '"action" VARCHAR(32) NOT NULL, "from_status" VARCHAR(16), "to_status" VARCHAR(16) NOT NULL, "reason" TEXT, '
        '"created_at" {timestamp} NOT NULL, FOREIGN KEY ("listing_id") REFERENCES "listing" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("actor_id") REFERENCES "user" ("id") ON DELETE SET NULL)'
    ),
    'CREATE INDEX IF NOT EXISTS "moderationevent_listing_id" ON "moderationevent" ("listing_id")',
    'CREATE INDEX IF NOT EXISTS "moderationevent_actor_id" ON "moderationevent" ("actor_id")',
    'CREATE INDEX IF NOT EXISTS "moderationevent_created_at" ON "moderationevent" ("created_at")',
    (
        'CREATE INDEX IF NOT EXISTS "moderationevent_listing_id_created_at" ON "moderationevent" ("listing_id", '
        '"created_at")'
    ),
    (
        'CREATE TABLE IF NOT EXISTS "notification" ("id" {pk}, "user_id" INTEGER NOT NULL, '
        '"kind" VARCHAR(16) NOT NULL, "listing_id" INTEGER, "listing_name" VARCHAR(200) NOT NULL, "reason" TEXT, '
        '"created_at" {timestamp} NOT NULL, "read_at" {timestamp}, '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("listing_id") REFERENCES "listing" ("id") ON DELETE CASCADE)'
    ),
    'CREATE INDEX IF NOT EXISTS "notification_user_id" ON "notification" ("user_id")',
    'CREATE INDEX IF NOT EXISTS "notification_listing_id" ON "notification" ("listing_id")',
    'CREATE INDEX IF NOT EXISTS "notification_user_id_read_at" ON "notification" ("user_id", "read_at")',
    'CREATE INDEX IF NOT EXISTS "notification_user_id_created_at" ON "notification" ("user_id", "created_at")',
    (
        'CREATE TABLE IF NOT EXISTS "outgoingmail" ("id" {pk}, "recipient" VARCHAR(255) NOT NULL, '
        '"subject" VARCHAR(255) NOT NULL, "body_text" TEXT NOT NULL, "body_html" TEXT, '
        '"created_at" {timestamp} NOT NULL, "sent_at" {timestamp}, "attempts" INTEGER NOT NULL, "last_error" TEXT)'
    ),
    'CREATE INDEX IF NOT EXISTS "outgoingmail_sent_at" ON "outgoingmail" ("sent_at")',
    (
        'CREATE TABLE IF NOT EXISTS "report" ("id" {pk}, "listing_id" INTEGER NOT NULL, '
        '"reporter_id" INTEGER NOT NULL, "reason" VARCHAR(16) NOT NULL, "note" TEXT, '
        '"created_at" {timestamp} NOT NULL, "resolved_at" {timestamp}, "resolved_by_id" INTEGER, '
        'FOREIGN KEY ("listing_id") REFERENCES "listing" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("reporter_id") REFERENCES "user" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("resolved_by_id") REFERENCES "user" ("id") ON DELETE SET NULL)'
    ),
    'CREATE INDEX IF NOT EXISTS "report_listing_id" ON "report" ("listing_id")',
    'CREATE INDEX IF NOT EXISTS "report_reporter_id" ON "report" ("reporter_id")',
    'CREATE INDEX IF NOT EXISTS "report_resolved_by_id" ON "report" ("resolved_by_id")',
    (
        'CREATE UNIQUE INDEX IF NOT EXISTS "report_listing_id_reporter_id_reason" ON "report" ("listing_id", '
        '"reporter_id", "reason")'
    ),
    'CREATE INDEX IF NOT EXISTS "report_resolved_at_created_at" ON "report" ("resolved_at", "created_at")',
    (
        'CREATE TABLE IF NOT EXISTS "role" ("id" {pk}, "name" VARCHAR(80) NOT NULL, "description" TEXT, '
        '"permissions" TEXT, "update_datetime" {timestamp} NOT NULL)'
    ),
    'CREATE UNIQUE INDEX IF NOT EXISTS "role_name" ON "role" ("name")',
    (
        'CREATE TABLE IF NOT EXISTS "userroles" ("id" {pk}, "user_id" INTEGER NOT NULL, "role_id" INTEGER NOT NULL, '
        'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, '
        'FOREIGN KEY ("role_id") REFERENCES "role" ("id") ON DELETE CASCADE)'
    ),
    'CREATE INDEX IF NOT EXISTS "userroles_user_id" ON "userroles" ("user_id")',
    'CREATE INDEX IF NOT EXISTS "userroles_role_id" ON "userroles" ("role_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "userroles_user_id_role_id" ON "userroles" ("user_id", "role_id")',
)

# The admin's queue order (a generated column and its index), then full-text search.
SQLITE_EXTRAS = (
    (
        'ALTER TABLE "listing" ADD COLUMN queue_rank INTEGER GENERATED ALWAYS AS '
        "(CASE WHEN status = 'moderation' THEN 0 ELSE 1 END) VIRTUAL"
    ),
    'CREATE INDEX IF NOT EXISTS "listing_queue" ON "listing" (queue_rank, created_at DESC, id DESC)',
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
    "INSERT INTO listing_fts(listing_fts) VALUES ('rebuild')",
)

POSTGRES_EXTRAS = (
    (
        'ALTER TABLE "listing" ADD COLUMN IF NOT EXISTS queue_rank integer GENERATED ALWAYS AS '
        "(CASE WHEN status = 'moderation' THEN 0 ELSE 1 END) STORED"
    ),
    'CREATE INDEX IF NOT EXISTS "listing_queue" ON "listing" (queue_rank, created_at DESC, id DESC)',
    """ALTER TABLE listing ADD COLUMN IF NOT EXISTS search tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', coalesce(name, '')), 'A')
            || setweight(to_tsvector('simple', coalesce(description, '')), 'B')
        ) STORED""",
    "CREATE INDEX IF NOT EXISTS listing_search_gin ON listing USING GIN (search)",
)


def upgrade(migrator, database):
    """Create the first release's tables, indexes, queue order and search index."""
    kind = "postgres" if isinstance(database, PostgresqlDatabase) else "sqlite"
    for statement in TABLES:
        database.execute_sql(statement.format(**TYPES[kind]))
    for statement in POSTGRES_EXTRAS if kind == "postgres" else SQLITE_EXTRAS:
        database.execute_sql(statement)
