"""What is waiting: the figures `/healthz` and `/metrics` report, as named queries.

Each function runs a fixed number of queries, however large the backlog.
"""

from peewee import SQL, Case, fn

from .listings import Listing, ListingStatus
from .outbox import OutgoingMail
from .users import utcnow
from .webhooks import WebhookEvent


def _undelivered(model, done_field):
    """`{"pending": n, "failed": n}` of a delivery queue (failed = given up on). One query."""
    failed = fn.SUM(Case(None, [(model.failed_at.is_null(False), 1)], 0))
    row = model.select(fn.COUNT(SQL("*")), failed).where(done_field.is_null()).tuples().get()
    total, failed_count = int(row[0] or 0), int(row[1] or 0)
    return {"pending": total - failed_count, "failed": failed_count}


def outbox_backlog():
    """Mail not sent yet. One query."""
    return _undelivered(OutgoingMail, OutgoingMail.sent_at)


def webhook_backlog():
    """Listing events not delivered to the store yet. One query."""
    return _undelivered(WebhookEvent, WebhookEvent.delivered_at)


def moderation_queue():
    """Listings waiting for a moderator, and how long the oldest has waited. One query.

    A listing waits since it last changed (put up, or edited back into moderation),
    so the age is counted from `updated_at`.
    """
    row = (
        Listing.select(fn.COUNT(SQL("*")), fn.MIN(Listing.updated_at))
        .where(Listing.status == ListingStatus.MODERATION)
        .tuples()
        .get()
    )
    waiting, oldest = int(row[0] or 0), row[1]
    if isinstance(oldest, str):  # SQLite returns the aggregate as text
        from datetime import datetime

        oldest = datetime.fromisoformat(oldest)
    age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0
    return {"waiting": waiting, "oldest_age_seconds": age}


def figures():
    """Everything that is waiting, for `/metrics`: three queries in all."""
    return {"outbox": outbox_backlog(), "webhooks": webhook_backlog(), "moderation": moderation_queue()}
