"""Visitors' reports about listings ("Report this listing").

A logged-in visitor reports a public listing once per reason. When three
different users have reported a listing since it was last approved, it goes back
to moderation by itself, through `lifecycle.reopen`.

API for the admin side:

* `Report.for_listing(listing_id)`: every report of one listing, newest first, reporters joined;
* `Report.queue()`: open (unresolved) reports, newest first, with reporter and listing joined;
* `Report.open_counts(listing_ids)`: {listing id: open reports} for a page of listings, one query;
* `resolve_reports(admin, listing_id)`: mark a listing's open reports as dealt with;
* `report_queue(order, page, per_page)`: the moderator's queue, open reports grouped by listing;
* `open_summary()`: how many reports are open and when the oldest was made (the dashboard);
* `dismiss_reports(admin, listing_id, report_ids, note)`: the moderator saw them and found nothing;
* `act_on_reports(admin, listing_id, report_ids, action, reason, seen_version)`: decline or
  remove the listing from the queue, closing its open reports.

Dismissed and acted-on reports stay in the table (`outcome`, `resolution_note`): the log.
"""

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, ForeignKeyField, IntegrityError, TextField, fn

from .db import BaseModel, is_postgres, write_transaction
from .errors import FORBIDDEN, DomainError
from .listing_input import clean_reason
from .listings import Listing, ListingStatus
from .users import User, refuse_if_blocked, utcnow

# Different users whose reports send a listing back to moderation.
REOPEN_THRESHOLD = 3
MAX_NOTE = 1000


class ReportReason:
    FRAUD = "fraud"
    PROHIBITED = "prohibited"
    WRONG_INFO = "wrong_info"
    OTHER = "other"

    ALL = (FRAUD, PROHIBITED, WRONG_INFO, OTHER)
    LABELS = {
        FRAUD: _l("Fraud"),
        PROHIBITED: _l("Prohibited item"),
        WRONG_INFO: _l("Wrong information"),
        OTHER: _l("Other"),
    }


class Outcome:
    DISMISSED = "dismissed"
    ACTED = "acted"


class ReportError(DomainError):
    """A report that is not accepted; `field` names the form field it belongs to."""


class Report(BaseModel):
    listing = ForeignKeyField(Listing, backref="reports", on_delete="CASCADE")
    reporter = ForeignKeyField(User, on_delete="CASCADE")
    reason = CharField(max_length=16)
    note = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)
    resolved_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="resolved_reports")
    # How it was closed (Outcome), and the moderator's note when dismissed.
    outcome = CharField(max_length=16, null=True)
    resolution_note = TextField(null=True)

    class Meta:
        indexes = (
            # Once per user per reason, enforced by the database.
            (("listing", "reporter", "reason"), True),
            (("resolved_at", "created_at"), False),
        )

    @property
    def reason_label(self):
        return ReportReason.LABELS.get(self.reason, self.reason)

    @classmethod
    def for_listing(cls, listing_id):
        return (
            cls.select(cls, User)
            .join(User, on=(cls.reporter == User.id))
            .where(cls.listing == listing_id)
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    @classmethod
    def queue(cls):
        return (
            cls.select(cls, User, Listing)
            .join(User, on=(cls.reporter == User.id))
            .switch(cls)
            .join(Listing, on=(cls.listing == Listing.id))
            .where(cls.resolved_at.is_null())
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    @classmethod
    def open_counts(cls, listing_ids):
        if not listing_ids:
            return {}
        rows = (
            cls.select(cls.listing, fn.COUNT(cls.id))
            .where(cls.listing.in_(list(listing_ids)) & cls.resolved_at.is_null())
            .group_by(cls.listing)
            .tuples()
        )
        return dict(rows)

    @classmethod
    def reasons_of(cls, user, listing_id):
        """The reasons `user` has already reported the listing for."""
        query = cls.select(cls.reason).where((cls.listing == listing_id) & (cls.reporter == user.id))
        return {reason for (reason,) in query.tuples()}


def report_listing(user, listing, reason, note=""):
    """Record `user`'s report; return (report, reopened). Raises ReportError."""
    note = (note or "").strip()
    if reason not in ReportReason.ALL:
        raise ReportError(_("Choose a reason."), field="reason")
    if reason == ReportReason.OTHER and not note:
        raise ReportError(_("Say what is wrong with this listing."), field="note")
    if len(note) > MAX_NOTE:
        raise ReportError(_("The note is too long (1,000 characters at most)."), field="note")
    if listing.owner_id == user.id:
        raise ReportError(_("You can't report your own listing."))
    refuse_if_blocked(user)
    if not listing.is_public:
        raise ReportError(_("This listing is not on the showcase."))
    from . import lifecycle

    with write_transaction():
        try:
            with Report._meta.database.atomic():
                report = Report.create(listing=listing.id, reporter=user.id, reason=reason, note=note or None)
        except IntegrityError:
            raise ReportError(_("You have already reported this listing for this reason."), field="reason") from None
        current = Listing.get_by_id(listing.id)
        reopened = False
        if current.status == ListingStatus.APPROVED:
            since = current.published_at or current.created_at
            reporters = (
                Report.select(fn.COUNT(fn.DISTINCT(Report.reporter)))
                .where((Report.listing == listing.id) & (Report.created_at >= since))
                .scalar()
            )
            if reporters >= REOPEN_THRESHOLD:
                lifecycle.reopen(
                    listing.id,
                    reason=_("Reported by %(n)s visitors; please check it again.", n=reporters),
                )
                reopened = True
    return report, reopened


def resolve_reports(admin, listing_id):
    """Mark a listing's open reports as dealt with; return how many."""
    return close_reports_acted(admin, listing_id)


def close_reports_acted(admin, listing_id):
    """A moderator declined or removed the listing: its open reports are closed as acted on."""
    return (
        Report.update(resolved_at=utcnow(), resolved_by=admin.id if admin else None, outcome=Outcome.ACTED)
        .where((Report.listing == listing_id) & Report.resolved_at.is_null())
        .execute()
    )


# ---------------------------------------------------------------- the moderator's queue

QUEUE_ORDERS = ("newest", "oldest", "count")


@dataclass
class QueueEntry:
    """One listing of the queue with its open reports (newest first)."""

    listing: Listing
    count: int
    first_at: dt.datetime
    last_at: dt.datetime
    reports: list

    @property
    def reasons(self):
        """{reason label: how many}, most frequent first."""
        counts = {}
        for report in self.reports:
            counts[report.reason_label] = counts.get(report.reason_label, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    @property
    def report_ids(self):
        return [r.id for r in self.reports]


def _as_datetime(value):
    # SQLite returns MIN()/MAX() of a timestamp as text.
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def report_queue(order="newest", page=0, per_page=20):
    """(number of listings with open reports, [QueueEntry] of one page): three queries, whatever the size.

    `order`: "newest" (latest report first), "oldest" (the longest waiting first) or "count".
    """
    order = order if order in QUEUE_ORDERS else "newest"
    first, last, count = fn.MIN(Report.created_at), fn.MAX(Report.created_at), fn.COUNT(Report.id)
    sort = {
        "newest": (last.desc(), Report.listing.desc()),
        "oldest": (first.asc(), Report.listing.asc()),
        "count": (count.desc(), last.desc(), Report.listing.desc()),
    }[order]
    open_ = Report.resolved_at.is_null()
    total = Report.select(fn.COUNT(fn.DISTINCT(Report.listing))).where(open_).scalar() or 0
    groups = list(
        Report.select(Report.listing, count, first, last)
        .where(open_)
        .group_by(Report.listing)
        .order_by(*sort)
        .limit(per_page)
        .offset(max(page, 0) * per_page)
        .tuples()
    )
    ids = [listing_id for listing_id, *_rest in groups]
    if not ids:
        return total, []
    listings = {listing.id: listing for listing in Listing.page_rows(ids)}
    reports = {}
    for report in (
        Report.select(Report, User)
        .join(User, on=(Report.reporter == User.id))
        .where(Report.listing.in_(ids) & open_)
        .order_by(Report.created_at.desc(), Report.id.desc())
    ):
        reports.setdefault(report.listing_id, []).append(report)
    entries = [
        QueueEntry(listings[i], n, _as_datetime(f), _as_datetime(la), reports.get(i, []))
        for i, n, f, la in groups
        if i in listings
    ]
    return total, entries


def open_summary():
    """(open reports, when the oldest open one was made or None): one query."""
    count, oldest = Report.select(fn.COUNT(Report.id), fn.MIN(Report.created_at)).where(
        Report.resolved_at.is_null()
    ).tuples().first() or (0, None)
    return count or 0, _as_datetime(oldest)


def _already_handled():
    return ReportError(_("Another moderator has already dealt with these reports. Nothing was changed."))


def _require_moderator(admin):
    if admin is None or not admin.has_role("admin"):
        raise ReportError(_("Only moderators can do this."), kind=FORBIDDEN)


def dismiss_reports(admin, listing_id, report_ids, note=""):
    """Close the listing's open reports the moderator saw (`report_ids`) as dismissed.

    A compare-and-swap on "still open": reports another moderator closed meanwhile
    are left as they are; if all of them were, nothing changes and ReportError says so.
    Reports that came in after the page was loaded stay open. Returns how many were dismissed.
    """
    _require_moderator(admin)
    note = clean_reason(note, required=False) or None
    ids = [int(i) for i in report_ids]
    if not ids:
        raise ReportError(_("There are no reports to dismiss."))
    with write_transaction():
        changed = (
            Report.update(resolved_at=utcnow(), resolved_by=admin.id, outcome=Outcome.DISMISSED, resolution_note=note)
            .where((Report.listing == listing_id) & Report.id.in_(ids) & Report.resolved_at.is_null())
            .execute()
        )
        if changed == 0:
            raise _already_handled()
    return changed


def act_on_reports(admin, listing_id, report_ids, action, reason, seen_version=None):
    """Decline or remove a reported listing from the queue; its open reports are closed with it.

    Refused (nothing changed) when the reports the moderator saw were all closed
    meanwhile by another moderator, or when the listing changed since (the lifecycle's
    own compare-and-swap on its version).
    """
    from . import lifecycle

    _require_moderator(admin)
    moves = {"decline": lifecycle.decline, "remove": lifecycle.remove}
    if action not in moves:
        raise ReportError(_("Choose decline or remove."))
    ids = [int(i) for i in report_ids]
    with write_transaction():
        query = Report.select(Report.id).where(
            (Report.listing == listing_id) & Report.id.in_(ids or [0]) & Report.resolved_at.is_null()
        )
        if is_postgres():
            # A second moderator acting at the same moment waits here, then finds them closed.
            query = query.for_update()
        if not list(query):
            raise _already_handled()
        return moves[action](admin, listing_id, reason=reason, seen_version=seen_version)
