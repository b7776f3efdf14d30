"""Favourites: the table `favourite` (user, listing, created_at), one row per user and listing."""

from peewee import DateTimeField, ForeignKeyField, Model


def upgrade(migrator, database):
    # Frozen here as this step creates it; models.favourites.Favourite may change later.
    class Base(Model):
        class Meta:
            pass

    Base._meta.database = database

    class User(Base):
        class Meta:
            table_name = "user"

    class Listing(Base):
        class Meta:
            table_name = "listing"

    class Favourite(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        listing = ForeignKeyField(Listing, on_delete="CASCADE")
        created_at = DateTimeField()

        class Meta:
            table_name = "favourite"
            indexes = ((("user", "listing"), True), (("listing",), False))

    database.create_tables([Favourite], safe=True)
