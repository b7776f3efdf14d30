"""The admin's home page: the state of moderation at a glance."""

import datetime as dt
import statistics

from flask_admin import expose
from peewee import fn

from models import Listing, ListingStatus, ModerationEvent
from models.reports import open_summary
from models.users import utcnow

from .base import SecureIndexView

DECISIONS = ("approve", "decline", "remove")
WINDOW_DAYS = 30


def status_counts():
    """{status: number of listings}, every status present (zero when none)."""
    counts = dict.fromkeys(ListingStatus.ALL, 0)
    rows = Listing.select(Listing.status, fn.COUNT(Listing.id)).group_by(Listing.status).tuples()
    for status, count in rows:
        counts[status] = count
    return counts


def oldest_waiting():
    """(listing, since) for the listing waiting longest since it (last) entered moderation."""
    entered = fn.MAX(ModerationEvent.created_at)
    row = (
        ModerationEvent.select(ModerationEvent.listing, entered.alias("since"))
        .join(Listing, on=(ModerationEvent.listing == Listing.id))
        .where((Listing.status == ListingStatus.MODERATION) & (ModerationEvent.to_status == ListingStatus.MODERATION))
        .group_by(ModerationEvent.listing)
        .order_by(entered.asc())
        .limit(1)
        .tuples()
        .first()
    )
    if row is None:
        # Listings imported without events still count, by their creation time.
        listing = (
            Listing.select().where(Listing.status == ListingStatus.MODERATION).order_by(Listing.created_at).first()
        )
        return (listing, listing.created_at) if listing else (None, None)
    listing_id, since = row
    if isinstance(since, str):  # SQLite returns MAX() of a timestamp as text
        since = dt.datetime.fromisoformat(since)
    return Listing.get_or_none(Listing.id == listing_id), since


def median_decision_time(days=WINDOW_DAYS, now=None):
    """Median time from entering moderation to the moderator's decision, over `days` days.

    Each decision (approve, decline, remove) is measured from the latest event
    that put the same listing on moderation before it. None if there was none.
    """
    now = now or utcnow()
    entered = ModerationEvent.alias("entered")
    query = (
        ModerationEvent.select(
            ModerationEvent.created_at,
            entered.select(fn.MAX(entered.created_at))
            .where(
                (entered.listing == ModerationEvent.listing)
                & (entered.to_status == ListingStatus.MODERATION)
                & (entered.created_at <= ModerationEvent.created_at)
            )
            .alias("started"),
        )
        .where(ModerationEvent.action.in_(DECISIONS) & (ModerationEvent.created_at >= now - dt.timedelta(days=days)))
        .tuples()
    )
    durations = []
    for decided, started_at in query:
        if started_at is None:
            continue
        if isinstance(started_at, str):
            started_at = dt.datetime.fromisoformat(started_at)
        if isinstance(decided, str):
            decided = dt.datetime.fromisoformat(decided)
        durations.append((decided - started_at).total_seconds())
    if not durations:
        return None
    return dt.timedelta(seconds=statistics.median(durations))


def human_duration(delta):
    """(days, hours, minutes) of a timedelta, for the template to word."""
    if delta is None:
        return None
    seconds = max(int(delta.total_seconds()), 0)
    return seconds // 86400, (seconds % 86400) // 3600, (seconds % 3600) // 60


class DashboardView(SecureIndexView):
    @expose("/")
    def index(self):
        from flask import url_for

        counts = status_counts()
        listing, since = oldest_waiting()
        waited = (utcnow() - since) if since else None
        median = median_decision_time()
        open_reports, oldest_report = open_summary()
        pristroy = "pristroy.index_view"
        status_arg = "flt0_status_equals"
        return self.render(
            "admin/flea/dashboard.html",
            counts=counts,
            labels=ListingStatus.LABELS,
            oldest=listing,
            waited=human_duration(waited),
            median=human_duration(median),
            open_reports=open_reports,
            oldest_report_age=human_duration(utcnow() - oldest_report) if oldest_report else None,
            reports_url=url_for("reports.index", order="oldest"),
            window_days=WINDOW_DAYS,
            waiting_url=url_for(pristroy, **{status_arg: ListingStatus.MODERATION}),
            status_urls={s: url_for(pristroy, **{status_arg: s}) for s in ListingStatus.ALL},
            oldest_url=url_for("pristroy.edit_view", id=listing.id) if listing else None,
            flea_css=url_for("static", filename="css/admin.css"),
        )
