"""Accounts and roles, in the shape Flask-Security-Too's peewee datastore expects."""

import datetime as dt

from flask_security import RoleMixin, UserMixin
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .db import BaseModel


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
