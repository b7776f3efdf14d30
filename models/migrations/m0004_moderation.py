"""Moderation at volume: blocked customers, closed reports kept as a log.

- `user.blocked_at`, `user.block_reason`: a moderator's block from the flea market;
- `report.outcome` ("dismissed" / "acted"), `report.resolution_note`: how a report was closed.

Columns only, all nullable: rows already there stay as they are (open reports, unblocked users).
"""

from peewee import CharField, DateTimeField, TextField
from playhouse.migrate import migrate


def upgrade(migrator, database):
    wanted = {
        "user": (("blocked_at", DateTimeField(null=True)), ("block_reason", TextField(null=True))),
        "report": (("outcome", CharField(max_length=16, null=True)), ("resolution_note", TextField(null=True))),
    }
    operations = []
    for table, columns in wanted.items():
        present = {column.name for column in database.get_columns(table)}
        for name, field in columns:
            if name not in present:
                operations.append(migrator.add_column(table, name, field))
    if operations:
        migrate(*operations)
