"""Comments and questions in an item page's Reviews tab."""

from peewee import DateTimeField, ForeignKeyField, TextField

from .db import BaseModel
from .listings import Listing
from .users import User, utcnow


class Comment(BaseModel):
    listing = ForeignKeyField(Listing, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, on_delete="CASCADE")
    parent = ForeignKeyField("self", null=True, backref="replies", on_delete="CASCADE")
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("listing", "created_at"), False),)
