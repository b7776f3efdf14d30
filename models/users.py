"""Accounts and roles, in the shape Flask-Security-Too's peewee datastore expects."""

import datetime as dt

from flask_babel import gettext as _
from flask_security import RoleMixin, UserMixin
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .db import BaseModel
from .errors import FORBIDDEN, DomainError


def utcnow():
    # Naive UTC everywhere: SQLite has no time zones and PostgreSQL columns are
    # `timestamp without time zone`, so both store the same thing.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Role(RoleMixin, BaseModel):
    name = CharField(max_length=80, unique=True)
    description = TextField(null=True)
    permissions = TextField(null=True)
    update_datetime = DateTimeField(default=utcnow)


class User(UserMixin, BaseModel):
    """A store customer or admin. `username` is the public login shown on listings."""

    email = CharField(max_length=255, unique=True)
    username = CharField(max_length=64, unique=True, null=True)
    password = CharField(max_length=255, null=True)
    active = BooleanField(default=True)
    fs_uniquifier = CharField(max_length=64, unique=True)
    confirmed_at = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)
    current_login_at = DateTimeField(null=True)
    last_login_ip = CharField(max_length=64, null=True)
    current_login_ip = CharField(max_length=64, null=True)
    login_count = IntegerField(null=True)
    locale = CharField(max_length=8, null=True)
    created_at = DateTimeField(default=utcnow)
    # Blocked from the flea market by a moderator (`lifecycle.block_customer`): may still
    # log in and read, but not put up, edit, sell, comment or report.
    blocked_at = DateTimeField(null=True)
    block_reason = TextField(null=True)
    # The store's own id of a customer pushed through the API (models.connector); None otherwise.
    external_id = CharField(max_length=100, unique=True, null=True)
    full_name = CharField(max_length=200, null=True)
    updated_at = DateTimeField(null=True)

    @property
    def display_name(self):
        return self.username or self.email.split("@", 1)[0]

    @property
    def roles(self):
        """The user's Role objects, loaded in one joined query and kept for this object.

        Flask-Security walks `current_user.roles` on every request; through the link
        model that would be one query for the links plus one per role.
        """
        if getattr(self, "_roles", None) is None:
            self._roles = list(Role.select().join(UserRoles).where(UserRoles.user == self.id).order_by(Role.name))
        return self._roles

    @roles.setter
    def roles(self, value):
        # Flask-Security's create_user passes roles=[...] to the constructor and then
        # adds each through the link model; here it only forgets what was loaded.
        self._roles = None

    def has_role(self, role):
        name = role if isinstance(role, str) else role.name
        return any(r.name == name for r in self.roles)

    @property
    def is_admin(self):
        return self.has_role("admin")

    @property
    def is_blocked(self):
        return self.blocked_at is not None


class CustomerBlocked(DomainError):
    """A blocked customer tried to put up, edit, sell, comment or report."""

    def __init__(self, reason=None):
        message = _("A moderator has blocked you from the flea market: you can't put up, edit or comment.")
        if reason:
            message = f"{message} {_('Reason:')} {reason}"
        super().__init__(message, kind=FORBIDDEN)


def refuse_if_blocked(user):
    """Raise CustomerBlocked if `user` is blocked now.

    Read from the database, not from the (possibly old) session's user object:
    a block takes effect on the very next request of a session opened before it.
    """
    row = User.select(User.blocked_at, User.block_reason).where(User.id == user.id).first()
    if row is not None and row.blocked_at is not None:
        raise CustomerBlocked(row.block_reason)


class UserRoles(BaseModel):
    # `User.roles` (a property) reads the roles through this link model in one join.
    user = ForeignKeyField(User, backref="role_links", on_delete="CASCADE")
    role = ForeignKeyField(Role, backref="users", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "role"), True),)

    name = property(lambda self: self.role.name)
    description = property(lambda self: self.role.description)

    def get_permissions(self):
        return self.role.get_permissions()
