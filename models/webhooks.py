"""Events to the store: a webhook outbox, filled by the listing moves and delivered after commit.

With `WEBHOOK_URL` set, every listing move writes one `WebhookEvent` row in the
move's own transaction (`queue_listing_event`, called by `models.lifecycle`), so
an event exists exactly when its move does. The body is frozen then: the
listing as it was right after the move. No request talks to the store: after
the commit the worker is nudged (`models.jobs`), and the worker's periodic task
or `flask --app app run-jobs` deliver what is due.

Delivery is strictly oldest first, one at a time: a failing event holds back
every later one until it is delivered or given up, so a store that was down gets
everything afterwards in the order of the moves. One sender at a time holds the
head of the queue (a claim with a token, as the mail outbox does; a claim older
than `_claim_age()` belongs to a sender that died). Each POST is signed
(`X-Flea-Signature: sha256=<HMAC-SHA256 of the body keyed by WEBHOOK_SECRET>`)
and carries the event's id in the body and in `X-Flea-Event-Id`; only a 2xx
answer counts as delivered. A failure (another status, a refused connection, no
answer within `WEBHOOK_TIMEOUT`) is retried with backoff; after
`MAX_WEBHOOK_ATTEMPTS` the event is given up (kept, listed by `check`, put back
by `run-jobs --retry-failed`) and the next one goes.
"""

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from flask import current_app
from peewee import BigIntegerField, CharField, DateTimeField, IntegerField, TextField

from .db import BaseModel, after_commit, is_postgres, write_transaction
from .listing_json import iso_time, listing_document
from .listings import Listing
from .users import utcnow

log = logging.getLogger(__name__)

# With 1, 2, 4, 8, then 15 minutes between attempts, 100 attempts are about a day.
MAX_WEBHOOK_ATTEMPTS = 100
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(minutes=15)
CLAIM_BATCH = 20
# A claim this old belongs to a sender that died. It must outlast a live sender's
# whole batch, each POST up to WEBHOOK_TIMEOUT (connect, then the answer).
CLAIM_MIN_AGE = timedelta(minutes=5)
# What of the store's answer is read (and thrown away) before the connection is closed.
ANSWER_READ_LIMIT = 64 * 1024


class WebhookEvent(BaseModel):
    """One event for the store, with its delivery state."""

    event_id = CharField(max_length=36, unique=True)  # a UUID: the store drops a repeat by it
    event = CharField(max_length=64)  # "listing.approve"
    listing_id = BigIntegerField()  # no foreign key: the event outlives a deleted listing
    body = TextField()  # the JSON exactly as it is sent and signed
    created_at = DateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    delivered_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    claimed_at = DateTimeField(null=True)
    claim_token = CharField(max_length=32, null=True)
    failed_at = DateTimeField(null=True)  # given up after MAX_WEBHOOK_ATTEMPTS

    class Meta:
        indexes = ((("delivered_at", "failed_at", "id"), False),)

    @property
    def status(self):
        if self.delivered_at:
            return "delivered"
        return "failed" if self.failed_at else "pending"

    @classmethod
    def pending(cls):
        """Events not delivered yet and not given up on, oldest first (the delivery order)."""
        return cls.select().where(cls.delivered_at.is_null() & cls.failed_at.is_null()).order_by(cls.id)

    @classmethod
    def failed(cls):
        """Events given up on after MAX_WEBHOOK_ATTEMPTS."""
        return cls.select().where(cls.delivered_at.is_null() & cls.failed_at.is_null(False)).order_by(cls.id)


class DeliveryError(Exception):
    """The store did not take the event (the message says why)."""


# ---------------------------------------------------------------- queueing


def events_enabled():
    """Whether moves queue events: WEBHOOK_URL is set."""
    return bool(current_app.config["WEBHOOK_URL"])


def queue_listing_event(move, listing_id):
    """Queue `listing.<move>` for the listing as it is now, in the current transaction.

    Called by the lifecycle right after the move's write, so the listing's row is
    locked by this transaction and its events are numbered in the order of its
    moves. Does nothing without WEBHOOK_URL.
    """
    if not events_enabled():
        return None
    listing = Listing.get_with_related(listing_id)
    now = utcnow()
    event_id = str(uuid.uuid4())
    name = f"listing.{move}"
    body = {"id": event_id, "event": name, "at": iso_time(now), "listing": listing_document(listing, with_status=True)}
    event = WebhookEvent.create(
        event_id=event_id,
        event=name,
        listing_id=listing_id,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        created_at=now,
        next_attempt_at=now,
    )
    app = current_app._get_current_object()
    after_commit(lambda: _nudge(app))
    return event


def _nudge(app):
    from . import jobs

    jobs.nudge_webhooks(app)


# ---------------------------------------------------------------- delivery


def signature(body, secret):
    """The `X-Flea-Signature` value of a body (bytes)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def configuration_problem():
    """Why queued events can't be sent with this configuration, or None."""
    cfg = current_app.config
    if cfg["WEBHOOK_URL"] and not cfg["WEBHOOK_SECRET"]:
        return "WEBHOOK_URL is set but WEBHOOK_SECRET is not: events are kept, not sent unsigned"
    return None


def _claim_age():
    per_event = 2 * current_app.config["WEBHOOK_TIMEOUT"]
    return max(CLAIM_MIN_AGE, timedelta(seconds=2 * CLAIM_BATCH * per_event))


def claim_batch(limit=CLAIM_BATCH):
    """Take the head of the queue for this sender: up to `limit` oldest events, as long as they
    are due. Nothing while another live sender holds a claim. Returns (token, events)."""
    token = secrets.token_hex(16)
    now = utcnow()
    stale_before = now - _claim_age()
    live_claim = WebhookEvent.claim_token.is_null(False) & (WebhookEvent.claimed_at >= stale_before)
    # SQLite: BEGIN IMMEDIATE serialises the claims.
    with write_transaction():
        head = WebhookEvent.pending().limit(limit)
        if is_postgres():
            # Not SKIP LOCKED: a second sender waits here, then sees the first one's claim
            # (skipping the head would send later events before it).
            head = head.for_update()
        head = list(head)
        if not head or WebhookEvent.pending().where(live_claim).exists():
            return token, []
        due = []
        for event in head:
            if event.next_attempt_at > now:
                break  # still backing off: it holds back everything after it
            due.append(event)
        if due:
            WebhookEvent.update(claim_token=token, claimed_at=now).where(
                WebhookEvent.id.in_([event.id for event in due])
            ).execute()
    return token, due


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed attempt."""
    # The exponent is capped: 2**99 minutes would not fit a timedelta.
    return min(RETRY_MAX, RETRY_BASE * (2 ** min(max(attempts - 1, 0), 16)))


def _delivered(event):
    # A 2xx is a delivery whoever holds the claim now: recorded so it is never sent again.
    WebhookEvent.update(
        delivered_at=utcnow(), attempts=event.attempts + 1, last_error=None, claim_token=None, claimed_at=None
    ).where((WebhookEvent.id == event.id) & WebhookEvent.delivered_at.is_null()).execute()


def _failed(event, token, error):
    """Record a failed attempt (while the claim is still ours); True if the event is given up."""
    now = utcnow()
    attempts = event.attempts + 1
    gave_up = attempts >= MAX_WEBHOOK_ATTEMPTS
    fields = {
        "attempts": attempts,
        "last_error": str(error)[:2000],
        "next_attempt_at": now + retry_delay(attempts),
        "claim_token": None,
        "claimed_at": None,
    }
    if gave_up:
        fields["failed_at"] = now
    WebhookEvent.update(**fields).where((WebhookEvent.id == event.id) & (WebhookEvent.claim_token == token)).execute()
    return gave_up


def _release(token):
    WebhookEvent.update(claim_token=None, claimed_at=None).where(WebhookEvent.claim_token == token).execute()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not a delivery (urllib would repeat a POST as a GET): it fails with its status."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(event, url, secret, timeout):
    """POST one event; raises DeliveryError unless the store answers 2xx within `timeout` seconds."""
    body = event.body.encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "flea-market-webhooks/1",
            "X-Flea-Event": event.event,
            "X-Flea-Event-Id": event.event_id,
            "X-Flea-Signature": signature(body, secret),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(ANSWER_READ_LIMIT)
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DeliveryError(f"HTTP {exc.code}") from None
    except TimeoutError:
        raise DeliveryError(f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise DeliveryError(f"no answer within {timeout:g} s") from None
        raise DeliveryError(f"could not connect: {exc.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # a dropped connection, a bad answer or URL
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")


def deliver_due():
    """Deliver what is due, oldest first, until the queue is empty or an event fails (it
    holds back the rest) ; returns (delivered, failed). Never raises a delivery error."""
    cfg = current_app.config
    url, secret, timeout = cfg["WEBHOOK_URL"], cfg["WEBHOOK_SECRET"], cfg["WEBHOOK_TIMEOUT"]
    if not url or not secret:
        return 0, 0
    delivered = failed = 0
    while True:
        token, batch = claim_batch()
        if not batch:
            return delivered, failed
        for event in batch:
            try:
                post(event, url, secret, timeout)
            except Exception as exc:  # any failure: record it, keep the event, stop here
                failed += 1
                gave_up = _failed(event, token, exc)
                log.warning(
                    "event %s (%s) not delivered (attempt %s%s): %s",
                    event.event_id,
                    event.event,
                    event.attempts + 1,
                    ", giving up" if gave_up else "",
                    exc,
                )
                break
            delivered += 1
            _delivered(event)
        else:
            continue
        # The rest of the batch waits behind the failed event.
        _release(token)
        if not gave_up:
            return delivered, failed


def retry_failed():
    """Put events given up on back in the queue, due now; returns how many.

    They are older than what was delivered meanwhile, so they go first and reach
    the store after later events of the same listing: its `at` tells.
    """
    return (
        WebhookEvent.update(failed_at=None, attempts=0, next_attempt_at=utcnow(), claim_token=None, claimed_at=None)
        .where(WebhookEvent.delivered_at.is_null() & WebhookEvent.failed_at.is_null(False))
        .execute()
    )


def check_report(echo):
    """`check`'s lines about events (through `echo`); True if something needs an operator."""
    pending = WebhookEvent.pending().count()
    echo(f"Webhook events waiting to be delivered: {pending}" + (" (run run-jobs)" if pending else ""))
    gave_up = list(WebhookEvent.failed())
    echo(
        f"Webhook events given up on: {len(gave_up)}"
        + (" (run-jobs --retry-failed delivers them again)" if gave_up else "")
    )
    for event in gave_up:
        error = (event.last_error or "").split("\n", 1)[0][:200]
        echo(f"  {event.event_id} {event.event} of listing {event.listing_id}: {event.attempts} attempts, {error}")
    problem = configuration_problem()
    if problem:
        echo(f"Webhook configuration: {problem}")
    return bool(gave_up or problem)
