"""One-time sign-in links the store hands to its customers (`/signin/<token>`).

The token is random and only its SHA-256 is stored, so a link can't be made up or
altered (an altered token matches no row) and a copy of the database can't be
turned into links. Using a link is one conditional UPDATE (`used_at` still empty,
not expired), so two clicks at once can't both sign in.
"""

import datetime as dt
import hashlib
import secrets

from peewee import CharField, DateTimeField, ForeignKeyField

from .db import BaseModel
from .users import User, utcnow

VALID_FOR = dt.timedelta(minutes=15)


class SigninLink(BaseModel):
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, on_delete="CASCADE")
    next_path = CharField(max_length=2000, null=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True, index=True)


def _digest(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_link(user, next_path=None):
    """(token, expires_at) of a new link for `user`; `next_path` must already be a safe local path."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + VALID_FOR
    SigninLink.create(token_hash=_digest(token), user=user.id, next_path=next_path, expires_at=expires_at)
    return token, expires_at


class LinkRefused(Exception):
    """A link that does not sign in; `why` is UNKNOWN (made up or altered), USED or EXPIRED."""

    def __init__(self, why):
        super().__init__(why)
        self.why = why


UNKNOWN, USED, EXPIRED = "unknown", "used", "expired"


def use_link(token):
    """The link's (user, next path), marking it used; raise LinkRefused otherwise."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise LinkRefused(UNKNOWN)
    now = utcnow()
    digest = _digest(token)
    link = SigninLink.select(SigninLink, User).join(User).where(SigninLink.token_hash == digest).get_or_none()
    if link is None:
        raise LinkRefused(UNKNOWN)
    if link.used_at is not None:
        raise LinkRefused(USED)
    if link.expires_at <= now or not link.user.active:
        raise LinkRefused(EXPIRED)
    claimed = SigninLink.update(used_at=now).where((SigninLink.id == link.id) & SigninLink.used_at.is_null()).execute()
    if claimed != 1:  # a second click that came at the same moment
        raise LinkRefused(USED)
    return link.user, link.next_path
