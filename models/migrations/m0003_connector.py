"""The store connector: external ids on users, products, orders and lines; API keys; sign-in links.

Frozen here (never imported from the current models, which will change later).
"""

import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, Model
from playhouse.migrate import migrate


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def upgrade(migrator, database):
    class Base(Model):
        class Meta:
            pass

    Base._meta.database = database

    class User(Base):
        class Meta:
            table_name = "user"

    class ApiKey(Base):
        name = CharField(max_length=100, unique=True)
        lookup = CharField(max_length=32, unique=True)
        key_hash = CharField(max_length=64)
        created_at = DateTimeField(default=_now)
        revoked_at = DateTimeField(null=True)

        class Meta:
            table_name = "apikey"

    class SigninLink(Base):
        token_hash = CharField(max_length=64, unique=True)
        user = ForeignKeyField(User, on_delete="CASCADE")
        next_path = CharField(max_length=2000, null=True)
        created_at = DateTimeField(default=_now)
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True, index=True)

        class Meta:
            table_name = "signinlink"

    def external_id():
        return CharField(max_length=100, null=True)

    migrate(
        migrator.add_column("user", "external_id", external_id()),
        migrator.add_column("user", "full_name", CharField(max_length=200, null=True)),
        migrator.add_column("user", "updated_at", DateTimeField(null=True)),
        migrator.add_column("product", "external_id", external_id()),
        migrator.add_column("product", "url", CharField(max_length=500, null=True)),
        migrator.add_column("product", "updated_at", DateTimeField(null=True)),
        migrator.add_column("product", "photo_sha256", CharField(max_length=64, null=True)),
        migrator.add_column("order", "external_id", external_id()),
        migrator.add_column("order", "updated_at", DateTimeField(null=True)),
        migrator.add_column("orderline", "external_id", external_id()),
        # Unique per table: the database decides between two requests sending the same id.
        migrator.add_index("user", ("external_id",), unique=True),
        migrator.add_index("product", ("external_id",), unique=True),
        migrator.add_index("order", ("external_id",), unique=True),
        migrator.add_index("orderline", ("external_id",), unique=True),
    )
    database.create_tables([ApiKey, SigninLink], safe=True)
