"""What the second round added to the first release's schema.

* The mail outbox's sender columns: `next_attempt_at` (backoff), `claimed_at` and
  `claim_token` (a sender's claim on a batch), `failed_at` (given up), and their index.
* `formsubmission`: one row per accepted put-up form, so a form sent twice makes one listing.
* The `admin` role, so `flask --app app roles add EMAIL admin` works on a new install.

Databases made by the development versions of this round already have some of
it (their `init-db` added missing columns): each step here is skipped when its
column, table, index or row is already there.

Frozen: it never reads the current models.
"""

import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, Model
from playhouse.migrate import migrate

# The first release gave up on a mail after this many attempts (it kept such rows
# pending with their count); the outbox now marks them with `failed_at` instead.
FIRST_RELEASE_MAX_ATTEMPTS = 10


def _now():
    return str(dt.datetime.now(dt.UTC).replace(tzinfo=None))


def upgrade(migrator, database):
    _outbox_columns(migrator, database)
    _form_submissions(database)
    _admin_role(database)


def _outbox_columns(migrator, database):
    present = {column.name for column in database.get_columns("outgoingmail")}
    if "next_attempt_at" not in present:
        # Mail the first release left pending is due since it was queued.
        migrate(
            migrator.add_column("outgoingmail", "next_attempt_at", DateTimeField(null=True)),
            migrator.sql('UPDATE "outgoingmail" SET "next_attempt_at" = "created_at"'),
            migrator.add_not_null("outgoingmail", "next_attempt_at"),
        )
    new_columns = {
        "claimed_at": DateTimeField(null=True),
        "claim_token": CharField(max_length=32, null=True),
        "failed_at": DateTimeField(null=True),
    }
    migrate(*(migrator.add_column("outgoingmail", name, f) for name, f in new_columns.items() if name not in present))
    if "failed_at" not in present:
        param = database.param
        database.execute_sql(
            f'UPDATE "outgoingmail" SET "failed_at" = {param} WHERE "sent_at" IS NULL AND "attempts" >= {param}',
            (_now(), FIRST_RELEASE_MAX_ATTEMPTS),
        )
    index = "outgoingmail_sent_at_failed_at_next_attempt_at"
    if index not in {i.name for i in database.get_indexes("outgoingmail")}:
        migrate(migrator.add_index("outgoingmail", ("sent_at", "failed_at", "next_attempt_at")))


def _form_submissions(database):
    class Frozen(Model):
        class Meta:
            database = None

    # Only the key of each table a foreign key points at.
    class User(Frozen):
        class Meta:
            table_name = "user"

    class Listing(Frozen):
        class Meta:
            table_name = "listing"

    class FormSubmission(Frozen):
        token = CharField(max_length=64, unique=True)
        user = ForeignKeyField(User, on_delete="CASCADE")
        listing = ForeignKeyField(Listing, null=True, on_delete="CASCADE")
        created_at = DateTimeField()

        class Meta:
            table_name = "formsubmission"

    with database.bind_ctx([User, Listing, FormSubmission]):
        FormSubmission.create_table(safe=True)


def _admin_role(database):
    param = database.param
    database.execute_sql(
        f'INSERT INTO "role" ("name", "description", "update_datetime") SELECT {param}, {param}, {param} '
        f'WHERE NOT EXISTS (SELECT 1 FROM "role" WHERE "name" = {param})',
        ("admin", "Store administrator", _now(), "admin"),
    )
