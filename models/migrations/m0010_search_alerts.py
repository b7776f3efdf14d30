"""Search alerts: `searchalert` (a customer's saved showcase search), `alertterm` (its words,
indexed for the match), `alertmatch` (a listing that matched an alert, and whether it was
mailed) and `alertwork` (listings that went on the showcase, still to be matched)."""

from peewee import CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, Model, TextField


def upgrade(migrator, database):
    # Frozen here as this step creates them; models.alerts may change later.
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

    class SearchAlert(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        q = CharField(max_length=200, default="")
        price_min = DecimalField(max_digits=12, decimal_places=2, auto_round=False, null=True)
        price_max = DecimalField(max_digits=12, decimal_places=2, auto_round=False, null=True)
        key = CharField(max_length=400)
        term_count = IntegerField()
        created_at = DateTimeField()
        paused_at = DateTimeField(null=True)
        last_mailed_at = DateTimeField(null=True)

        class Meta:
            table_name = "searchalert"
            indexes = ((("user", "key"), True), (("term_count",), False))

    class AlertTerm(Base):
        alert = ForeignKeyField(SearchAlert, on_delete="CASCADE")
        term = CharField(max_length=64)
        term_count = IntegerField()

        class Meta:
            table_name = "alertterm"
            indexes = ((("term", "alert"), True),)

    class AlertMatch(Base):
        alert = ForeignKeyField(SearchAlert, on_delete="CASCADE")
        listing = ForeignKeyField(Listing, on_delete="CASCADE")
        batch = CharField(max_length=16, null=True)
        created_at = DateTimeField()
        mailed_at = DateTimeField(null=True)

        class Meta:
            table_name = "alertmatch"
            indexes = ((("alert", "listing"), True), (("batch",), False), (("mailed_at", "alert"), False))

    class AlertWork(Base):
        listing = ForeignKeyField(Listing, on_delete="CASCADE")
        created_at = DateTimeField()
        attempts = IntegerField(default=0)
        last_error = TextField(null=True)

        class Meta:
            table_name = "alertwork"
            indexes = ((("attempts", "id"), False),)

    database.create_tables([SearchAlert, AlertTerm, AlertMatch, AlertWork], safe=True)
