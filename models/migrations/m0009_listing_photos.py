"""Several photos a listing: the table `listingphoto` (listing, photo, position), one row per
listing and photo; each existing listing's photo becomes its first (position 0)."""

from peewee import ForeignKeyField, IntegerField, Model


def upgrade(migrator, database):
    # Frozen here as this step creates it; models.listings.ListingPhoto may change later.
    class Base(Model):
        class Meta:
            pass

    Base._meta.database = database

    class Photo(Base):
        class Meta:
            table_name = "photo"

    class Listing(Base):
        class Meta:
            table_name = "listing"

    class ListingPhoto(Base):
        listing = ForeignKeyField(Listing, on_delete="CASCADE")
        photo = ForeignKeyField(Photo, on_delete="CASCADE")
        position = IntegerField()

        class Meta:
            table_name = "listingphoto"
            indexes = ((("listing", "photo"), True), (("photo",), False))

    database.create_tables([ListingPhoto], safe=True)
    # One statement, however many listings: the main photo is the gallery's first.
    database.execute_sql(
        'INSERT INTO "listingphoto" ("listing_id", "photo_id", "position") '
        'SELECT "id", "photo_id", 0 FROM "listing" WHERE "photo_id" IS NOT NULL'
    )
