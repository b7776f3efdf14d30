"""Moderation at volume: blocked customers, closed reports kept as a log.

- `user.blocked_at`, `user.block_reason`: a moderator's block from the flea market;
- `report.outcome` ("dismissed" / "acted"), `report.resolution_note`: how a report was closed;
- `comment.hidden_at`, `comment.hidden_by_id`: a comment hidden by a moderator;
- the table `commentreport`: users' reports of comments, once per user.

Columns only, all nullable: rows already there stay as they are (open reports, unblocked users).
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField
from playhouse.migrate import migrate


def _frozen_models(database):
    """The tables as this step creates them (frozen: later model changes don't reach back here)."""

    class Base(Model):
        class Meta:
            pass

    Base._meta.database = database

    class User(Base):
        class Meta:
            table_name = "user"

    class Comment(Base):
        class Meta:
            table_name = "comment"

    class CommentReport(Base):
        comment = ForeignKeyField(Comment, on_delete="CASCADE")
        reporter = ForeignKeyField(User, on_delete="CASCADE")
        created_at = DateTimeField()
        resolved_at = DateTimeField(null=True)
        resolved_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        outcome = CharField(max_length=16, null=True)

        class Meta:
            table_name = "commentreport"
            indexes = ((("comment", "reporter"), True), (("resolved_at", "created_at"), False))

    return User, CommentReport


def upgrade(migrator, database):
    user, comment_report = _frozen_models(database)
    wanted = {
        "user": (("blocked_at", DateTimeField(null=True)), ("block_reason", TextField(null=True))),
        "report": (("outcome", CharField(max_length=16, null=True)), ("resolution_note", TextField(null=True))),
        "comment": (
            ("hidden_at", DateTimeField(null=True)),
            ("hidden_by_id", ForeignKeyField(user, null=True, on_delete="SET NULL", field=user.id)),
        ),
    }
    operations = []
    for table, columns in wanted.items():
        present = {column.name for column in database.get_columns(table)}
        for name, field in columns:
            if name not in present:
                operations.append(migrator.add_column(table, name, field))
    if operations:
        migrate(*operations)
    database.create_tables([comment_report], safe=True)
