"""Expiry of Approved listings: the reminder 3 days before, and the `expire` move.

Both take `now` (naive UTC) from their caller, so a test moves the clock instead of
sleeping; `flask --app app run-jobs` and the worker call them through
`models.jobs.due_work()` with the current time. Each is safe to run twice at once
and as often as wanted: a reminder is claimed by a compare-and-swap on
`expiry_reminded_at` before it is sent, and the expiry is a move of the lifecycle
(a compare-and-swap on status and version), so each owner is told exactly once.
"""

import datetime as dt
import logging

from .db import write_transaction
from .errors import DomainError
from .lifecycle import expire
from .listings import Listing, ListingStatus
from .notifications import NotificationKind, notify
from .users import User

log = logging.getLogger(__name__)

REMIND_BEFORE = dt.timedelta(days=3)
# Listings handled per run: a backlog is worked off over several runs, each short.
BATCH = 500


def _due(before, extra=None):
    condition = (
        (Listing.status == ListingStatus.APPROVED) & Listing.expires_at.is_null(False) & (Listing.expires_at <= before)
    )
    if extra is not None:
        condition &= extra
    return Listing.select(Listing.id, Listing.version).where(condition).order_by(Listing.expires_at).limit(BATCH)


def remind_due(now):
    """Tell the owners of listings expiring within 3 days of `now` (once each); return (sent, failed)."""
    sent = failed = 0
    # Not those already due: their owner gets the expiry notice instead.
    pending = Listing.expiry_reminded_at.is_null() & (Listing.expires_at > now)
    for listing_id, _version in _due(now + REMIND_BEFORE, pending).tuples():
        try:
            with write_transaction():
                claimed = (
                    Listing.update(expiry_reminded_at=now)
                    .where(
                        (Listing.id == listing_id)
                        & (Listing.status == ListingStatus.APPROVED)
                        & Listing.expiry_reminded_at.is_null()
                    )
                    .execute()
                )
                if claimed:
                    listing = Listing.get_by_id(listing_id)
                    notify(User.get_by_id(listing.owner_id), NotificationKind.EXPIRING, listing)
                    sent += 1
        except Exception:  # one listing's trouble must not hold back the others
            log.exception("could not remind the owner of listing %s", listing_id)
            failed += 1
    return sent, failed


def expire_due(now):
    """Make the `expire` move on every Approved listing whose time is over at `now`; return (expired, failed)."""
    expired = failed = 0
    for listing_id, version in _due(now).tuples():
        try:
            expire(listing_id, seen_version=version)
            expired += 1
        except DomainError:
            # Moved meanwhile (sold, withdrawn, renewed by someone at the same moment): nothing to expire.
            pass
        except Exception:
            log.exception("could not expire listing %s", listing_id)
            failed += 1
    return expired, failed
