"""The data and the rules of the flea market.

Re-exports the models and lists them all, in creation order, for `init-db`.
"""

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
from .submissions import FormSubmission
from .users import Role, User, UserRoles

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
]


def create_tables():
    """Create missing tables and indexes; safe to run again."""
    with db.database.atomic():
        db.database.create_tables(ALL_MODELS, safe=True)
        create_queue_rank()
        create_search_index()


__all__ = [
    "ALL_MODELS",
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
    "User",
    "UserRoles",
    "create_tables",
    "db",
]
