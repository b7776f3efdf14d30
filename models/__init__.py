"""The data and the rules of the flea market.

Re-exports the models and lists them all. The schema itself is built by the
versioned migrations in `models/migrations/`; tests/migrations checks that what
they build is what these models declare.
"""

from .alerts import AlertMatch, AlertTerm, AlertWork, SearchAlert
from .api_keys import ApiKey
from .comments import Comment, CommentReport
from .db import db
from .decline_templates import DeclineTemplate
from .favourites import Favourite
from .listings import Listing, ListingPhoto, ListingStatus
from .moderation import ModerationEvent
from .notifications import Notification, NotificationKind
from .orders import Order, OrderLine, OrderStatus, Product
from .outbox import OutgoingMail
from .photos import Photo
from .reports import Report, ReportReason
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
    ListingPhoto,
    ModerationEvent,
    Comment,
    Notification,
    OutgoingMail,
    DeclineTemplate,
    Report,
    FormSubmission,
    WebhookEvent,
    CommentReport,
    ApiKey,
    SigninLink,
    Favourite,
    SearchAlert,
    AlertTerm,
    AlertMatch,
    AlertWork,
]


def create_tables():
    """Bring the schema up to date (`init-db`, `db upgrade`): on an empty database that
    creates it; safe to run again. Returns the names of the migrations applied."""
    from . import migrations

    return migrations.upgrade(db.database.obj)


__all__ = [
    "ALL_MODELS",
    "AlertMatch",
    "AlertTerm",
    "AlertWork",
    "ApiKey",
    "Comment",
    "CommentReport",
    "DeclineTemplate",
    "Favourite",
    "FormSubmission",
    "Listing",
    "ListingPhoto",
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
    "SearchAlert",
    "SigninLink",
    "User",
    "UserRoles",
    "WebhookEvent",
    "create_tables",
    "db",
]
