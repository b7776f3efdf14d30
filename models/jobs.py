"""Background jobs on Huey: the worker that drains the outbox.

Each app gets its own Huey instance, made on first use from its config:
`RedisHuey` when `REDIS_URL` is set (several app servers share one queue), else
`SqliteHuey` with its file in the app's instance folder (nothing else to run).
Huey only *triggers* draining: the outbox rows decide what is sent, so a lost or
duplicated Huey message loses or doubles nothing.

Listings' expiry (`models.expiry`) runs every ten minutes as `listing_expiry_due`;
the search alerts (`models.alerts`) are matched by `match_alerts`, nudged after a
move that made a listing public, and every minute by `match_alerts_due`.
Two tasks: `send_outbox`, enqueued after a commit that queued mail (the nudge),
and `drain_due`, run every minute by the consumer's scheduler, which sends
retries whose backoff is over and anything a lost nudge left behind. The events
to the store have the same pair: `deliver_webhooks` and `deliver_webhooks_due`.
Run the consumer with `flask --app app send-mail --watch` (production: one such
process beside the web servers), or in `python app.py`'s own process through
`start_in_process_worker(app)`. Without a consumer, `flask --app app run-jobs`
(from cron) does each kind of `due_work()` once.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from .db import db

log = logging.getLogger(__name__)

HUEY_NAME = "flea-market"


class Jobs:
    """One app's Huey instance and its tasks."""

    def __init__(self, app):
        self.app = app
        self.huey = _make_huey(app)
        # Names are fixed so a consumer of a newer release still runs queued messages.
        self.send_outbox = self.huey.task(name="send_outbox")(self._drain)
        self.drain_due = self.huey.periodic_task(crontab(minute="*"), name="drain_due")(self._drain)
        self.deliver_webhooks = self.huey.task(name="deliver_webhooks")(self._deliver_webhooks)
        self.deliver_webhooks_due = self.huey.periodic_task(crontab(minute="*"), name="deliver_webhooks_due")(
            self._deliver_webhooks
        )
        self.match_alerts = self.huey.task(name="match_alerts")(self._search_alerts)
        self.match_alerts_due = self.huey.periodic_task(crontab(minute="*"), name="match_alerts_due")(
            self._search_alerts
        )
        self.listing_expiry_due = self.huey.periodic_task(crontab(minute="*/10"), name="listing_expiry_due")(
            self._listing_expiry
        )

    def _with_database(self, work):
        with self.app.app_context():
            # Reuse the caller's connection in immediate mode; a worker thread opens and returns its own.
            opened = db.database.is_closed()
            db.database.connect(reuse_if_open=True)
            try:
                return work()
            finally:
                if opened:
                    db.database.close()

    def _drain(self):
        from .outbox import drain

        sent, failed = self._with_database(drain)
        if sent or failed:
            log.info("outbox: sent %s, failed %s", sent, failed)
        return sent, failed

    def _deliver_webhooks(self):
        from .webhooks import deliver_due

        delivered, failed = self._with_database(deliver_due)
        if delivered or failed:
            log.info("webhook events: delivered %s, failed %s", delivered, failed)
        return delivered, failed

    def _listing_expiry(self):
        from .expiry import expire_due, remind_due
        from .users import utcnow

        def work():
            now = utcnow()
            return remind_due(now), expire_due(now)

        (reminded, _), (expired, _) = self._with_database(work)
        if reminded or expired:
            log.info("listings: reminded %s, expired %s", reminded, expired)
        return reminded, expired

    def _search_alerts(self):
        from .alerts import mail_due, match_due
        from .users import utcnow

        def work():
            now = utcnow()
            return match_due(now), mail_due(now)

        (matched, _), (mailed, _) = self._with_database(work)
        if matched or mailed:
            log.info("search alerts: notified %s, mailed %s", matched, mailed)
        return matched, mailed


def _make_huey(app):
    url = app.config["REDIS_URL"]
    if url:
        from redis import ConnectionPool

        # Short socket timeouts: a nudge from a request must not hang on an unreachable Redis.
        # (Huey takes either an address or a pool; the timeouts need the pool.)
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return RedisHuey(HUEY_NAME, connection_pool=pool, results=False)
    filename = os.path.join(app.instance_path, "huey.db")
    return SqliteHuey(HUEY_NAME, filename=filename, results=False, timeout=5)


def jobs_for(app=None):
    """The app's `Jobs`, made on first use."""
    app = app or current_app._get_current_object()
    jobs = app.extensions.get("flea_jobs")
    if jobs is None:
        jobs = app.extensions.setdefault("flea_jobs", Jobs(app))
    return jobs


def get_huey(app=None):
    """The app's Huey instance (tests set `.immediate = True` on it)."""
    return jobs_for(app).huey


def send_outbox(app=None):
    """Enqueue one drain of the outbox (runs at once when the Huey instance is immediate)."""
    return jobs_for(app).send_outbox()


def nudge(app):
    """After a commit that queued mail: ask the worker to drain. Never raises into the caller."""
    try:
        send_outbox(app)
    except Exception:  # the queue is down: the periodic drain or `send-mail` sends the mail later
        log.warning("could not nudge the mail worker; the mail stays queued", exc_info=True)


def deliver_webhooks(app=None):
    """Enqueue one delivery run of the webhook events (at once when the Huey instance is immediate)."""
    return jobs_for(app).deliver_webhooks()


def nudge_webhooks(app):
    """After a commit that queued an event: ask the worker to deliver. Never raises into the caller."""
    try:
        deliver_webhooks(app)
    except Exception:  # the queue is down: the periodic task or `run-jobs` delivers the event later
        log.warning("could not nudge the worker; the webhook event stays queued", exc_info=True)


def match_alerts(app=None):
    """Enqueue one run of the search alerts' matching and mail (at once when the Huey instance is immediate)."""
    return jobs_for(app).match_alerts()


def nudge_alerts(app):
    """After a commit that made a listing public: ask the worker to match it. Never raises into the caller."""
    try:
        match_alerts(app)
    except Exception:  # the queue is down: the periodic task or `run-jobs` matches the listing later
        log.warning("could not nudge the worker; the listing is matched against the alerts later", exc_info=True)


@dataclass(frozen=True)
class DueWork:
    """One kind of background work: `run()` does what is due once and returns (done, failed)."""

    label: str  # "Mail"
    done: str  # what `done` counts: "sent"
    run: Callable[[], tuple[int, int]]
    retry_failed: Callable[[], int] | None = None  # puts what was given up on back in the queue
    problem: Callable[[], str | None] | None = None  # why it can't run with this configuration


def due_work():
    """Everything `flask --app app run-jobs` does, in this order; a new kind of job joins here."""
    from . import alerts, expiry, outbox, webhooks
    from .users import utcnow

    return [
        # Before the mail, so the reminders and expiry notices of this run go out with it.
        DueWork("Expiry reminders", "sent", lambda: expiry.remind_due(utcnow())),
        DueWork("Listing expiry", "expired", lambda: expiry.expire_due(utcnow())),
        # Also before the mail: the alerts' mail of this run goes out with it.
        DueWork("Search alerts", "notified", lambda: alerts.match_due(utcnow())),
        DueWork("Search alert mail", "queued", lambda: alerts.mail_due(utcnow())),
        DueWork("Mail", "sent", outbox.drain, outbox.retry_failed),
        DueWork(
            "Webhook events", "delivered", webhooks.deliver_due, webhooks.retry_failed, webhooks.configuration_problem
        ),
    ]


def create_consumer(app=None, workers=1):
    """A Huey consumer with thread workers that runs the nudges and the periodic drain."""
    return get_huey(app).create_consumer(workers=workers, worker_type="thread", periodic=True)


class _InProcessConsumer(Consumer):
    """A consumer that leaves signals to the host process (the web server handles Ctrl-C)."""

    def _set_signal_handlers(self):
        pass


def start_in_process_worker(app, workers=1):
    """Start a Huey consumer in daemon threads of this process (for `python app.py`)."""
    consumer = _InProcessConsumer(get_huey(app), workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    return consumer
