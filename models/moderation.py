"""The moderation log: one event for every change of a listing's status (and admin edits)."""

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .db import BaseModel
from .listings import Listing
from .users import User, utcnow


class ModerationEvent(BaseModel):
    listing = ForeignKeyField(Listing, backref="events", on_delete="CASCADE")
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")  # None: the system
    action = CharField(max_length=32)
    from_status = CharField(max_length=16, null=True)
    to_status = CharField(max_length=16)
    reason = TextField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("listing", "created_at"), False),)
