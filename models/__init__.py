"""The data and the rules of the flea market.

Re-exports the models and lists them all, in creation order, for `init-db`.
"""

from .api_keys import ApiKey
from .comments import Comment
from .db import db
from .decline_templates import DeclineTemplate
from .listings import Listing, ListingStatus, create_queue_rank
from .moderation import ModerationEvent
from .notifications import Notification, NotificationKind
from .orders import Order, OrderLine, OrderStatus, Product
from .outbox import OutgoingMail
from .photos import Photo
from .reports import Report, ReportReason
from .search import create_search_index
from .signin_links import SigninLink
from .submissions import FormSubmission
from .users import Role, User, UserRoles
from .webhooks import WebhookEvent

ALL_MODELS = [
    Role,
    User,
    UserRoles,
    Photo,
    Product,
    Order,
    OrderLine,
    Listing,
    ModerationEvent,
    Comment,
    Notification,
    OutgoingMail,
    DeclineTemplate,
    Report,
    FormSubmission,
    WebhookEvent,
    ApiKey,
    SigninLink,
]


def add_missing_columns():
    """Add the columns a model has and its existing table lacks (a database of an earlier release).

    Runs before the indexes are created, since an index may name a new column.
    Only additions, each with the field's default for rows already there; the
    versioned migrations of `db upgrade` are to take this over.
    """
    from playhouse.migrate import SchemaMigrator, migrate

    real = db.database.obj
    tables = set(real.get_tables())
    migrator = SchemaMigrator.from_database(real)
    operations = []
    for model in ALL_MODELS:
        table = model._meta.table_name
        if table not in tables:
            continue
        present = {column.name for column in real.get_columns(table)}
        for field in model._meta.sorted_fields:
            if field.column_name not in present:
                operations.append(migrator.add_column(table, field.column_name, field))
    if operations:
        migrate(*operations)
    return len(operations)


def create_tables():
    """Create missing tables, columns and indexes; safe to run again."""
    with db.database.atomic():
        add_missing_columns()
        db.database.create_tables(ALL_MODELS, safe=True)
        create_queue_rank()
        create_search_index()


__all__ = [
    "ALL_MODELS",
    "ApiKey",
    "Comment",
    "DeclineTemplate",
    "FormSubmission",
    "Listing",
    "ListingStatus",
    "ModerationEvent",
    "Notification",
    "NotificationKind",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OutgoingMail",
    "Photo",
    "Product",
    "Report",
    "ReportReason",
    "Role",
    "SigninLink",
    "User",
    "UserRoles",
    "WebhookEvent",
    "create_tables",
    "db",
]
