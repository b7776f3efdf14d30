"""Visitors' reports about listings ("Report this listing").

A logged-in visitor reports a public listing once per reason. When three
different users have reported a listing since it was last approved, it goes back
to moderation by itself, through `lifecycle.reopen`.

API for the admin side:

* `Report.for_listing(listing_id)`: every report of one listing, newest first, reporters joined;
* `Report.queue()`: open (unresolved) reports, newest first, with reporter and listing joined;
* `Report.open_counts(listing_ids)`: {listing id: open reports} for a page of listings, one query;
* `resolve_reports(admin, listing_id)`: mark a listing's open reports as dealt with.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, ForeignKeyField, IntegrityError, TextField, fn

from .db import BaseModel, write_transaction
from .errors import DomainError
from .listings import Listing, ListingStatus
from .users import User, utcnow

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
    return (
        Report.update(resolved_at=utcnow(), resolved_by=admin.id)
        .where((Report.listing == listing_id) & Report.resolved_at.is_null())
        .execute()
    )
