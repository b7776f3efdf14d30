"""The webhook outbox: one row per event for the store, with its delivery state."""

from peewee import AutoField, BigIntegerField, CharField, DateTimeField, IntegerField, Model, TextField


def upgrade(migrator, database):
    # Frozen here as this step creates it; models.webhooks.WebhookEvent may change later.
    class WebhookEvent(Model):
        id = AutoField()
        event_id = CharField(max_length=36, unique=True)
        event = CharField(max_length=64)
        listing_id = BigIntegerField()
        body = TextField()
        created_at = DateTimeField()
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        delivered_at = DateTimeField(null=True)
        last_error = TextField(null=True)
        claimed_at = DateTimeField(null=True)
        claim_token = CharField(max_length=32, null=True)
        failed_at = DateTimeField(null=True)

        class Meta:
            table_name = "webhookevent"
            indexes = ((("delivered_at", "failed_at", "id"), False),)

    WebhookEvent.bind(database)
    database.create_tables([WebhookEvent], safe=True)
