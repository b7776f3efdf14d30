"""Search alerts: a customer's saved showcase search, matched against each listing that goes
on the showcase, in a background job.

An alert keeps what the showcase searched with (`q`, the price range) and, for the
match, the lemmas of its words (`models.search.query_words`, the very words the
showcase's full-text query is made of) as rows of `AlertTerm`, one per word.

Matching is an outbox: a move that makes a listing public (`approve`, and the
moves that bring one back: `put_back`, `renew`, `unblock`) writes one `AlertWork`
row in its own transaction (`queue_match`, called by `models.lifecycle`); the
moderator's request does nothing else. The job (`match_due`, run by the worker
and by `flask --app app run-jobs`) takes each row and finds the alerts in a fixed
number of queries, however many alerts there are. The showcase matches each
query word as a prefix of one of the listing's words; so the job turns the
listing's `search_text` into the set of all prefixes of its words and asks the
index on `AlertTerm.term` for the alerts all of whose words are in that set
(`GROUP BY alert HAVING COUNT(*) = term_count`), with the price range, the
paused flag and the owner tested in the same SQL. No alert is read into Python
to decide whether it matches.

Each match is one `AlertMatch` row (one per alert and listing, so a listing that
comes back to the showcase does not notify twice) and one in-app notification at
once. Mail is batched: `mail_due(now)` sends each alert at most one mail a day,
listing every match since its last mail that is still on the showcase. Both jobs
take `now` from their caller, so tests move the clock instead of sleeping.
"""

import datetime as dt
import json
import logging
import secrets

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from peewee import (
    SQL,
    CharField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    TextField,
    Value,
    fn,
)

from .db import BaseModel, after_commit, database, is_postgres, write_transaction
from .errors import NOT_FOUND, DomainError
from .listings import Listing, ListingStatus
from .notifications import Notification, NotificationKind
from .outbox import queue_mail
from .search import query_words
from .users import User, utcnow

log = logging.getLogger(__name__)

MAIL_INTERVAL = dt.timedelta(days=1)  # at most one mail a day per alert
# Work rows and alerts handled per run: a backlog is worked off over several runs, each short.
BATCH = 200
MAX_ATTEMPTS = 5  # a listing whose match keeps failing is left (logged) after this many runs
MAX_ALERTS_PER_USER = 50
MAX_MAILED_LISTINGS = 30  # a mail lists at most this many matches (the rest: the showcase link)


class SearchAlert(BaseModel):
    """A saved showcase search of one customer."""

    user = ForeignKeyField(User, backref="search_alerts", on_delete="CASCADE")
    q = CharField(max_length=200, default="")
    price_min = DecimalField(max_digits=12, decimal_places=2, auto_round=False, null=True)
    price_max = DecimalField(max_digits=12, decimal_places=2, auto_round=False, null=True)
    # The words' lemmas, sorted, and the price range: two alerts that find the same are one.
    key = CharField(max_length=400)
    term_count = IntegerField()
    created_at = DateTimeField(default=utcnow)
    paused_at = DateTimeField(null=True)
    last_mailed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "key"), True), (("term_count",), False))

    @property
    def paused(self):
        return self.paused_at is not None

    def showcase_args(self):
        """The showcase's query string that runs this search."""
        from .catalog import Filters

        return Filters(q=self.q, price_min=self.price_min, price_max=self.price_max).args()


class AlertTerm(BaseModel):
    """One word (lemma) of an alert: what the match looks up by index."""

    alert = ForeignKeyField(SearchAlert, backref="terms", on_delete="CASCADE")
    term = CharField(max_length=64)
    # The alert's number of words, copied: the match keeps only the alerts all of whose words
    # it found while it groups, before it joins a single alert row.
    term_count = IntegerField()

    class Meta:
        indexes = ((("term", "alert"), True),)


class AlertMatch(BaseModel):
    """A listing that matched an alert: notified in the app; `mailed_at` once in a mail."""

    alert = ForeignKeyField(SearchAlert, backref="matches", on_delete="CASCADE")
    listing = ForeignKeyField(Listing, on_delete="CASCADE")
    # The run that found it, so that run notifies exactly its own matches (not a work row's id:
    # those are deleted when done, and SQLite may hand out a deleted row's id again).
    batch = CharField(max_length=16, null=True)
    created_at = DateTimeField(default=utcnow)
    mailed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("alert", "listing"), True), (("batch",), False), (("mailed_at", "alert"), False))


class AlertWork(BaseModel):
    """A listing that went on the showcase and is still to be matched against the alerts."""

    listing = ForeignKeyField(Listing, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)

    class Meta:
        indexes = ((("attempts", "id"), False),)


class AlertError(DomainError):
    """An alert that can't be saved (the message says why), or that is not the user's."""


def _not_found():
    return AlertError(_("Not found."), kind=NOT_FOUND)


# ---------------------------------------------------------------- the customer's alerts


def _key(terms, price_min, price_max):
    def plain(value):
        return "" if value is None else format(value, "f")

    return " ".join(sorted(terms)) + f"|{plain(price_min)}|{plain(price_max)}"


def save(user, filters):
    """Save the showcase's `filters` (`models.catalog.Filters`) as an alert of `user`.

    Returns (alert, created): an alert that finds the same as one the user has is
    that one (`created` False). Refused (`AlertError`) without words and price range.
    """
    terms = query_words(filters.q)
    # Text without a single word (only punctuation) searches for nothing: it is no query.
    q = filters.q if terms else ""
    if not terms and filters.price_min is None and filters.price_max is None:
        raise AlertError(_("Type what you are looking for or set a price range first, then save the search."))
    key = _key(terms, filters.price_min, filters.price_max)
    existing = SearchAlert.get_or_none((SearchAlert.user == user.id) & (SearchAlert.key == key))
    if existing is not None:
        return existing, False
    if SearchAlert.select().where(SearchAlert.user == user.id).count() >= MAX_ALERTS_PER_USER:
        raise AlertError(
            _("You have %(n)s search alerts, the most there can be. Delete one first.", n=MAX_ALERTS_PER_USER)
        )
    try:
        with write_transaction():
            alert = SearchAlert.create(
                user=user.id,
                q=q,
                price_min=filters.price_min,
                price_max=filters.price_max,
                key=key,
                term_count=len(terms),
                created_at=utcnow(),
            )
            if terms:
                AlertTerm.insert_many(
                    [(alert.id, term, len(terms)) for term in terms],
                    fields=[AlertTerm.alert, AlertTerm.term, AlertTerm.term_count],
                ).execute()
    except IntegrityError:
        # The same alert saved at the same moment (a double click): the unique index decided.
        return SearchAlert.get((SearchAlert.user == user.id) & (SearchAlert.key == key)), False
    return alert, True


def of_user(user):
    """`user`'s alerts, newest first."""
    return list(
        SearchAlert.select()
        .where(SearchAlert.user == user.id)
        .order_by(SearchAlert.created_at.desc(), SearchAlert.id.desc())
    )


def _own(user, alert_id):
    return (SearchAlert.id == alert_id) & (SearchAlert.user == user.id)


def pause(user, alert_id):
    """Stop notifying for this alert of `user` (someone else's, or none: not found)."""
    paused = fn.COALESCE(SearchAlert.paused_at, utcnow())  # pausing twice keeps the first time
    if not SearchAlert.update(paused_at=paused).where(_own(user, alert_id)).execute():
        raise _not_found()


def resume(user, alert_id):
    """Notify again for this alert of `user` (listings approved while it was paused are not told)."""
    if not SearchAlert.update(paused_at=None).where(_own(user, alert_id)).execute():
        raise _not_found()


def delete(user, alert_id):
    """Delete this alert of `user`, with its words and matches."""
    if not SearchAlert.delete().where(_own(user, alert_id)).execute():
        raise _not_found()


# ---------------------------------------------------------------- queueing (the lifecycle's hook)


def queue_match(listing_id):
    """Record, in the current transaction, that this listing just went on the showcase.

    Called by the lifecycle's move; the job does the matching after the commit.
    """
    AlertWork.create(listing=listing_id, created_at=utcnow())
    app = current_app._get_current_object()
    after_commit(lambda: _nudge(app))


def _nudge(app):
    from . import jobs

    jobs.nudge_alerts(app)


# ---------------------------------------------------------------- matching


def prefixes(search_text):
    """Every prefix of every word of a listing's `search_text`: a query word matches the listing
    exactly when it is one of these (the showcase matches each query word as a prefix)."""
    found = set()
    for word in (search_text or "").split():
        for end in range(1, len(word) + 1):
            found.add(word[:end])
    return sorted(found)


def _words_in(values):
    """SQL of a one-column list of strings sent as one parameter (no limit on how many)."""
    param = database().param
    if is_postgres():
        sql = f"(SELECT jsonb_array_elements_text(CAST({param} AS jsonb)))"
    else:
        sql = f"(SELECT value FROM json_each({param}))"
    return SQL(sql, [json.dumps(values, ensure_ascii=False)])


def matching_alerts(listing, *columns):
    """A query of the ids (then `columns`) of the active alerts of other users that `listing`
    (with its `search_text`, `price` and `owner_id`) matches. Index reads only, whatever the
    number of alerts: the words' index for the alerts with words, the `term_count` index for
    those with a price range alone."""
    conditions = (
        SearchAlert.paused_at.is_null()
        & (SearchAlert.user != listing.owner_id)
        & (SearchAlert.price_min.is_null() | (SearchAlert.price_min <= listing.price))
        & (SearchAlert.price_max.is_null() | (SearchAlert.price_max >= listing.price))
    )
    found = (
        AlertTerm.select(AlertTerm.alert)
        .where(AlertTerm.term.in_(_words_in(prefixes(listing.search_text))))
        .group_by(AlertTerm.alert, AlertTerm.term_count)
        .having(fn.COUNT(AlertTerm.id) == AlertTerm.term_count)
    )
    with_words = SearchAlert.select(SearchAlert.id, *columns).where(SearchAlert.id.in_(found) & conditions)
    price_only = SearchAlert.select(SearchAlert.id, *columns).where((SearchAlert.term_count == 0) & conditions)
    return with_words + price_only  # UNION ALL: an alert has words or has none


def _match_one(work_id, now):
    """Match one work row's listing, in one transaction; returns how many alerts it notified."""
    with write_transaction():
        work = AlertWork.get_or_none(AlertWork.id == work_id)
        if work is None:
            return 0
        # Whoever deletes the row does the work: two runs at once never both notify.
        if not AlertWork.delete().where(AlertWork.id == work_id).execute():
            return 0
        listing = (
            Listing.select(Listing.id, Listing.name, Listing.price, Listing.owner, Listing.status, Listing.search_text)
            .where(Listing.id == work.listing_id)
            .get_or_none()
        )
        if listing is None or not ListingStatus.is_public(listing.status):
            return 0  # it left the showcase before the job came: nobody is told
        batch = secrets.token_hex(8)
        found = matching_alerts(listing, Value(listing.id), Value(batch), Value(now))
        # An alert already told about this listing (it was on the showcase before) is skipped
        # by the unique index on (alert, listing): not told again.
        inserted = (
            AlertMatch.insert_from(
                found, [AlertMatch.alert, AlertMatch.listing, AlertMatch.batch, AlertMatch.created_at]
            )
            .on_conflict_ignore()
            .as_rowcount()
            .execute()
        )
        if inserted:
            notes = (
                AlertMatch.select(
                    SearchAlert.user,
                    Value(NotificationKind.ALERT),
                    AlertMatch.listing,
                    Value(listing.name),
                    SearchAlert.q,
                    Value(now),
                )
                .join(SearchAlert)
                .where(AlertMatch.batch == batch)
            )
            Notification.insert_from(
                notes,
                [
                    Notification.user,
                    Notification.kind,
                    Notification.listing,
                    Notification.listing_name,
                    Notification.reason,
                    Notification.created_at,
                ],
            ).execute()
        return inserted


def match_due(now):
    """Match every listing recorded by a move against the alerts; returns (alerts notified, failed)."""
    notified = failed = 0
    ids = [
        row.id
        for row in AlertWork.select(AlertWork.id)
        .where(AlertWork.attempts < MAX_ATTEMPTS)
        .order_by(AlertWork.id)
        .limit(BATCH)
    ]
    for work_id in ids:
        try:
            notified += _match_one(work_id, now)
        except Exception as exc:  # one listing's trouble must not hold back the others
            log.exception("could not match listing work %s against the search alerts", work_id)
            failed += 1
            AlertWork.update(attempts=AlertWork.attempts + 1, last_error=str(exc)[:2000]).where(
                AlertWork.id == work_id
            ).execute()
    return notified, failed


# ---------------------------------------------------------------- the daily mail


def mail_due(now):
    """Send each active alert with new matches its mail, at most one per `MAIL_INTERVAL`:
    every match since the last mail that is still on the showcase. Returns (sent, failed)."""
    sent = failed = 0
    may_mail = SearchAlert.last_mailed_at.is_null() | (SearchAlert.last_mailed_at <= now - MAIL_INTERVAL)
    waiting = AlertMatch.select(AlertMatch.alert).where(AlertMatch.mailed_at.is_null())
    due = (
        SearchAlert.select(SearchAlert.id)
        .where(SearchAlert.paused_at.is_null() & may_mail & SearchAlert.id.in_(waiting))
        .order_by(SearchAlert.id)
        .limit(BATCH)
    )
    for (alert_id,) in list(due.tuples()):
        try:
            with write_transaction():
                sent += _mail_one(alert_id, now, may_mail)
        except Exception:
            log.exception("could not mail search alert %s", alert_id)
            failed += 1
    return sent, failed


def _mail_one(alert_id, now, may_mail):
    alert = SearchAlert.select(SearchAlert, User).join(User).where(SearchAlert.id == alert_id).get_or_none()
    if alert is None:
        return 0
    # A compare-and-swap on the last mail's time: two runs at once send one mail.
    claimed = (
        SearchAlert.update(last_mailed_at=now)
        .where((SearchAlert.id == alert_id) & SearchAlert.paused_at.is_null() & may_mail)
        .execute()
    )
    if not claimed:
        return 0
    matches = list(
        AlertMatch.select(AlertMatch.id, Listing.id, Listing.name, Listing.price, Listing.status)
        .join(Listing)
        .where((AlertMatch.alert == alert_id) & AlertMatch.mailed_at.is_null())
        .order_by(AlertMatch.id)
    )
    AlertMatch.update(mailed_at=now).where(AlertMatch.id.in_([m.id for m in matches])).execute()
    listings = [m.listing for m in matches if ListingStatus.is_public(m.listing.status)]
    if not listings:
        # Everything found has left the showcase: no mail, and the day is not used up.
        SearchAlert.update(last_mailed_at=alert.last_mailed_at).where(SearchAlert.id == alert_id).execute()
        return 0
    user = alert.user
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("New listings for your search alert")
        context = {
            "user": user,
            "alert": alert,
            "listings": listings[:MAX_MAILED_LISTINGS],
            "more": max(0, len(listings) - MAX_MAILED_LISTINGS),
        }
        body = render_template("mail/search_alert.txt", **context)
        html = render_template("mail/search_alert.html", subject=subject, **context)
    queue_mail(user.email, subject, body, html)
    return 1
