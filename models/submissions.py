"""Form submissions already acted on: the same form sent twice makes one listing.

Each put-up form carries a random token (`form_token`); the listing is created in
the same transaction as a row holding that token, and the unique index decides
which of two identical submits wins (the loser's transaction raises
IntegrityError and is rolled back), on SQLite and PostgreSQL alike.
"""

from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, ForeignKeyField

from .db import BaseModel
from .errors import DomainError
from .listings import Listing
from .users import User, utcnow

MAX_TOKEN = 64


class FormSubmission(BaseModel):
    """One accepted submit of a form, by its token."""

    token = CharField(max_length=MAX_TOKEN, unique=True)
    user = ForeignKeyField(User, on_delete="CASCADE")
    listing = ForeignKeyField(Listing, null=True, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def listing_for(cls, user, token):
        """The listing a previous submit of this form by `user` made, or None."""
        if not token:
            return None
        row = cls.get_or_none((cls.token == token) & (cls.user == user.id))
        return row.listing_id if row else None


class DuplicateSubmission(DomainError):
    """This form was already submitted and acted on (a retry or a double click)."""

    def __init__(self):
        super().__init__(_l("This form was already sent: your listing is below."))
