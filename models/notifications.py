"""In-app notifications, each with its mail.

Both are written inside the transaction of the change they report, so a
notification exists exactly when its change does. The mail goes through the
outbox (`models.outbox`): no request waits for, or fails on, a mail server.
"""

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from .db import BaseModel
from .listings import Listing
from .outbox import queue_mail
from .users import User, utcnow


class NotificationKind:
    APPROVED = "approved"
    DECLINED = "declined"
    REMOVED = "removed"
    COMMENT = "comment"
    ANSWER = "answer"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"  # the store took the order back (the `revoke` move)
    EXPIRING = "expiring"
    EXPIRED = "expired"
    ALERT = "alert"  # a new listing matches one of the user's search alerts (models.alerts)

    TITLES = {
        APPROVED: _l("Your listing was approved"),
        DECLINED: _l("Your listing was declined"),
        REMOVED: _l("Your listing was removed"),
        COMMENT: _l("New comment on your listing"),
        ANSWER: _l("The seller answered your question"),
        REOPENED: _l("Your listing is back on moderation"),
        WITHDRAWN: _l("Your listing was taken off sale"),
        EXPIRING: _l("Your listing expires in 3 days"),
        EXPIRED: _l("Your listing has expired"),
        ALERT: _l("New listing for your search alert"),
    }


class Notification(BaseModel):
    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    kind = CharField(max_length=16)
    listing = ForeignKeyField(Listing, null=True, on_delete="CASCADE")
    # Copied so the notification still reads right after the listing is edited.
    listing_name = CharField(max_length=200)
    reason = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "read_at"), False), (("user", "created_at"), False))

    @property
    def title(self):
        return NotificationKind.TITLES.get(self.kind, self.kind)

    @classmethod
    def unread_count(cls, user):
        return cls.select().where((cls.user == user.id) & cls.read_at.is_null()).count()

    @classmethod
    def for_user(cls, user):
        return cls.select().where(cls.user == user.id).order_by(cls.created_at.desc(), cls.id.desc())

    @classmethod
    def mark_all_read(cls, user):
        now = utcnow()
        return cls.update(read_at=now).where((cls.user == user.id) & cls.read_at.is_null()).execute()


def notify(user, kind, listing, reason=None, quote=None, question=None):
    """Tell a user about something that happened to their listing: in the app and by mail.

    `quote` (a new comment or answer) and `question` (what was answered) are quoted in the mail only.
    """
    note = Notification.create(user=user.id, kind=kind, listing=listing.id, listing_name=listing.name, reason=reason)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = str(NotificationKind.TITLES.get(kind, kind))
        context = {"user": user, "note": note, "listing": listing, "quote": quote, "question": question}
        body = render_template("mail/notification.txt", **context)
        html = render_template("mail/notification.html", subject=subject, **context)
    queue_mail(user.email, subject, body, html)
    return note
