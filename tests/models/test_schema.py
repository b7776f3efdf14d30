"""A database made by an earlier release gets the columns added since, with its rows kept."""

from models import OutgoingMail, create_tables, db
from models.outbox import drain, queue_mail

# The outbox table as the first release made it (before the sender's claim and backoff columns).
FIRST_RELEASE_OUTBOX = """CREATE TABLE "outgoingmail" (
    "id" {pk}, "recipient" VARCHAR(255) NOT NULL, "subject" VARCHAR(255) NOT NULL,
    "body_text" TEXT NOT NULL, "body_html" TEXT, "created_at" TIMESTAMP NOT NULL,
    "sent_at" TIMESTAMP, "attempts" INTEGER NOT NULL, "last_error" TEXT)"""


def test_create_tables_adds_the_outbox_columns_of_this_release(app, db_kind):
    real = db.database.obj
    real.execute_sql('DROP TABLE "outgoingmail"')
    pk = "SERIAL NOT NULL PRIMARY KEY" if db_kind == "postgres" else "INTEGER NOT NULL PRIMARY KEY"
    real.execute_sql(FIRST_RELEASE_OUTBOX.format(pk=pk))
    real.execute_sql(
        'INSERT INTO "outgoingmail" (recipient, subject, body_text, created_at, attempts) '
        "VALUES ('old@example.com', 'Left pending', 'Hello', '2026-11-01 10:00:00', 0)"
    )
    create_tables()
    columns = {c.name for c in real.get_columns("outgoingmail")}
    assert {"next_attempt_at", "claimed_at", "claim_token", "failed_at"} <= columns
    old = OutgoingMail.get(OutgoingMail.recipient == "old@example.com")
    assert old.next_attempt_at is not None and old.sent_at is None
    with db.database.atomic():
        queue_mail("new@example.com", "Fresh", "Hi")
    assert drain() == (2, 0)  # the mail left pending by the old release goes too
    create_tables()  # and again: nothing to add
