"""The outgoing mail queue: a transactional outbox drained outside the request.

A mail is one `OutgoingMail` row written in the transaction of the change it
reports, so it exists exactly when that change does. No request talks to a mail
server: after the commit the request at most nudges the background worker
(`models.jobs`), and the worker, `flask --app app send-mail` or the periodic job
drain what is due. The rows are the source of truth; a lost nudge only delays a
mail until the next periodic drain.

Senders claim a batch before sending (PostgreSQL: `FOR UPDATE SKIP LOCKED`;
SQLite: an `UPDATE` that only takes unclaimed rows), so overlapping senders never
send one mail twice. A failure is retried with exponential backoff; after
`MAX_MAIL_ATTEMPTS` the mail is marked failed, kept, listed by `check`, and put
back by `send-mail --retry-failed`.
"""

import logging
import os
import secrets
import tempfile
from datetime import timedelta

from flask import current_app
from peewee import CharField, DateTimeField, IntegerField, TextField

from .db import BaseModel, after_commit, is_postgres, write_transaction
from .users import utcnow

log = logging.getLogger(__name__)

MAX_MAIL_ATTEMPTS = 10
RETRY_BASE = timedelta(minutes=1)  # 1, 2, 4 ... minutes between attempts
RETRY_MAX = timedelta(hours=6)
CLAIM_BATCH = 20
# A claim this old belongs to a sender that died: another may take the mail. It must
# outlast a live sender's whole batch, each mail up to MAIL_TIMEOUT (twice: connect, send).
CLAIM_MIN_AGE = timedelta(minutes=5)


class OutgoingMail(BaseModel):
    recipient = CharField(max_length=255)
    subject = CharField(max_length=255)
    body_text = TextField()
    body_html = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True, index=True)
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_at = DateTimeField(null=True)
    claim_token = CharField(max_length=32, null=True)
    failed_at = DateTimeField(null=True)  # gave up after MAX_MAIL_ATTEMPTS

    class Meta:
        indexes = ((("sent_at", "failed_at", "next_attempt_at"), False),)

    @property
    def status(self):
        if self.sent_at:
            return "sent"
        return "failed" if self.failed_at else "pending"

    @classmethod
    def pending(cls):
        """Mail not sent yet and not given up on (due now or later)."""
        return cls.select().where(cls.sent_at.is_null() & cls.failed_at.is_null()).order_by(cls.id)

    @classmethod
    def failed(cls):
        """Mail given up on after MAX_MAIL_ATTEMPTS."""
        return cls.select().where(cls.sent_at.is_null() & cls.failed_at.is_null(False)).order_by(cls.id)

    @classmethod
    def _claimable(cls, now, stale_before):
        unclaimed = cls.claim_token.is_null() | (cls.claimed_at < stale_before)
        return cls.sent_at.is_null() & cls.failed_at.is_null() & (cls.next_attempt_at <= now) & unclaimed


def queue_mail(recipient, subject, body_text, body_html=None):
    """Queue a mail in the current transaction; after the commit the worker is nudged to send it."""
    mail = OutgoingMail.create(
        recipient=recipient, subject=str(subject)[:255], body_text=body_text, body_html=body_html
    )
    app = current_app._get_current_object()
    after_commit(lambda: _nudge(app))
    return mail


def _nudge(app):
    from . import jobs

    jobs.nudge(app)


def _claim_age():
    per_mail = 2 * current_app.config["MAIL_TIMEOUT"]
    return max(CLAIM_MIN_AGE, timedelta(seconds=2 * CLAIM_BATCH * per_mail))


def claim_batch(limit=CLAIM_BATCH):
    """Take up to `limit` due mails for this sender; returns (token, mails)."""
    token = secrets.token_hex(16)
    now = utcnow()
    due = OutgoingMail._claimable(now, now - _claim_age())
    # SQLite: BEGIN IMMEDIATE, so two claims never both read and then both fail to upgrade their lock.
    with write_transaction():
        candidates = OutgoingMail.select(OutgoingMail.id).where(due).order_by(OutgoingMail.id).limit(limit)
        if is_postgres():
            # Rows another sender holds are skipped, not waited for.
            candidates = candidates.for_update(skip_locked=True)
        ids = [row.id for row in candidates]
        if not ids:
            return token, []
        # The UPDATE checks the claim condition again itself, so the claim stays atomic
        # even on a database where the SELECT above took no lock.
        OutgoingMail.update(claim_token=token, claimed_at=now).where(OutgoingMail.id.in_(ids) & due).execute()
    return token, list(OutgoingMail.select().where(OutgoingMail.claim_token == token).order_by(OutgoingMail.id))


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed attempt."""
    return min(RETRY_MAX, RETRY_BASE * (2 ** max(attempts - 1, 0)))


def _finish(mail, token, error=None):
    # Only while the claim is still ours: a sender that outlived its claim leaves the row to the new holder.
    mine = (OutgoingMail.id == mail.id) & (OutgoingMail.claim_token == token)
    attempts = mail.attempts + 1
    if error is None:
        fields = {"sent_at": utcnow(), "last_error": None}
    else:
        now = utcnow()
        fields = {"last_error": str(error)[:2000], "next_attempt_at": now + retry_delay(attempts)}
        if attempts >= MAX_MAIL_ATTEMPTS:
            fields["failed_at"] = now
    fields.update(attempts=attempts, claim_token=None, claimed_at=None)
    OutgoingMail.update(**fields).where(mine).execute()


def drain(limit=None):
    """Send what is due, batch by batch; returns (sent, failed). Never raises a mail error."""
    sent = failed = 0
    while limit is None or sent + failed < limit:
        token, batch = claim_batch(CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - sent - failed))
        if not batch:
            break
        for mail in batch:
            try:
                _send(mail)
            except Exception as exc:  # any mail failure: record it, keep the mail, go on
                failed += 1
                gave_up = mail.attempts + 1 >= MAX_MAIL_ATTEMPTS
                log.warning(
                    "mail %s to %s not sent (attempt %s%s): %s",
                    mail.id,
                    mail.recipient,
                    mail.attempts + 1,
                    ", giving up" if gave_up else "",
                    exc,
                )
                _finish(mail, token, exc)
            else:
                sent += 1
                _finish(mail, token)
    return sent, failed


def retry_failed():
    """Put mail that was given up on back in the queue, due now; returns how many."""
    return (
        OutgoingMail.update(failed_at=None, attempts=0, next_attempt_at=utcnow(), claim_token=None, claimed_at=None)
        .where(OutgoingMail.sent_at.is_null() & OutgoingMail.failed_at.is_null(False))
        .execute()
    )


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
    connection = None
    if cfg["MAIL_SERVER"]:
        # A mail server that accepts and never answers must not hold the sender forever.
        connection = current_app.extensions["mailman"].get_connection(timeout=cfg["MAIL_TIMEOUT"])
    msg = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=cfg["MAIL_DEFAULT_SENDER"],
        to=[mail.recipient],
        connection=connection,
    )
    if mail.body_html:
        msg.attach_alternative(mail.body_html, "text/html")
    if connection is not None:
        msg.send(fail_silently=False)
    else:
        _write_eml(mail, msg.message().as_bytes())
