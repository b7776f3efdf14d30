"""In-app notifications and the outgoing mail queue.

Both rows are written inside the transaction of the change they report, so a
notification exists exactly when its change does. Mail is only *queued* there;
it is sent after the commit (`deliver_pending`), so a mail server that is down
never undoes the change: the mail stays pending, is logged, and is sent again by
`flask --app app send-mail`.
"""

import logging
import os
import tempfile

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .db import BaseModel, after_commit
from .listings import Listing
from .users import User, utcnow

log = logging.getLogger(__name__)

MAX_MAIL_ATTEMPTS = 10


class NotificationKind:
    APPROVED = "approved"
    DECLINED = "declined"
    REMOVED = "removed"
    COMMENT = "comment"
    ANSWER = "answer"
    REOPENED = "reopened"

    TITLES = {
        APPROVED: _l("Your listing was approved"),
        DECLINED: _l("Your listing was declined"),
        REMOVED: _l("Your listing was removed"),
        COMMENT: _l("New comment on your listing"),
        ANSWER: _l("The seller answered your question"),
        REOPENED: _l("Your listing is back on moderation"),
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


class OutgoingMail(BaseModel):
    recipient = CharField(max_length=255)
    subject = CharField(max_length=255)
    body_text = TextField()
    body_html = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True, index=True)
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)

    @classmethod
    def pending(cls):
        return cls.select().where(cls.sent_at.is_null() & (cls.attempts < MAX_MAIL_ATTEMPTS)).order_by(cls.id)


def queue_mail(recipient, subject, body_text, body_html=None):
    """Queue a mail in the current transaction; it is sent after the commit."""
    mail = OutgoingMail.create(
        recipient=recipient, subject=str(subject)[:255], body_text=body_text, body_html=body_html
    )
    after_commit(lambda: deliver_pending([mail.id]))
    return mail


def notify(user, kind, listing, reason=None):
    """Tell a user about something that happened to their listing: in the app and by mail."""
    note = Notification.create(user=user.id, kind=kind, listing=listing.id, listing_name=listing.name, reason=reason)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = str(NotificationKind.TITLES.get(kind, kind))
        body = render_template("mail/notification.txt", user=user, note=note, listing=listing)
    queue_mail(user.email, subject, body)
    return note


def _write_eml(mail, message_bytes):
    outbox = os.path.join(current_app.instance_path, "outbox")
    os.makedirs(outbox, exist_ok=True)
    final = os.path.join(outbox, f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id}.eml")
    fd, tmp = tempfile.mkstemp(dir=outbox, prefix=".mail-", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(message_bytes)
    os.replace(tmp, final)


def _send(mail):
    from flask_mailman import EmailMultiAlternatives

    cfg = current_app.config
    msg = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=cfg["MAIL_DEFAULT_SENDER"],
        to=[mail.recipient],
    )
    if mail.body_html:
        msg.attach_alternative(mail.body_html, "text/html")
    if cfg["MAIL_SERVER"]:
        msg.send(fail_silently=False)
    else:
        _write_eml(mail, msg.message().as_bytes())


def deliver_pending(ids=None):
    """Send queued mail; failures are logged and left pending for the next try."""
    query = OutgoingMail.pending()
    if ids is not None:
        query = query.where(OutgoingMail.id.in_(ids))
    sent = failed = 0
    for mail in query:
        try:
            _send(mail)
        except Exception as exc:  # any mail failure: keep the mail, never raise into the caller
            failed += 1
            log.warning("mail %s to %s not sent (attempt %s): %s", mail.id, mail.recipient, mail.attempts + 1, exc)
            OutgoingMail.update(attempts=OutgoingMail.attempts + 1, last_error=str(exc)[:2000]).where(
                OutgoingMail.id == mail.id
            ).execute()
        else:
            sent += 1
            OutgoingMail.update(sent_at=utcnow(), attempts=OutgoingMail.attempts + 1, last_error=None).where(
                OutgoingMail.id == mail.id
            ).execute()
    return sent, failed
