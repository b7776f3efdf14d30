"""Expiry and its reminders, with a clock the test controls (the jobs take `now`)."""

import datetime as dt

from click.testing import CliRunner

from models import Listing, ListingStatus, Notification, OutgoingMail, lifecycle
from models.expiry import expire_due, remind_due

S = ListingStatus
SECOND = dt.timedelta(seconds=1)


def _notes(listing, kind):
    return Notification.select().where((Notification.listing == listing.id) & (Notification.kind == kind)).count()


def _mails(user):
    return [
        m.subject for m in OutgoingMail.select().where(OutgoingMail.recipient == user.email).order_by(OutgoingMail.id)
    ]


def test_approval_sets_the_expiry_listing_days_ahead(app, alice, admin, make_listing):
    app.config["LISTING_DAYS"] = 10
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    assert abs(listing.expires_at - (listing.published_at + dt.timedelta(days=10))) < SECOND


def test_reminded_once_three_days_before_then_expired_once(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    expires = listing.expires_at
    already = _mails(alice)

    assert remind_due(expires - dt.timedelta(days=3) - SECOND) == (0, 0)
    assert remind_due(expires - dt.timedelta(days=3)) == (1, 0)
    assert remind_due(expires - dt.timedelta(days=2)) == (0, 0)  # once
    assert _notes(listing, "expiring") == 1
    assert _mails(alice)[len(already) :] == ["Your listing expires in 3 days"]

    assert expire_due(expires - SECOND) == (0, 0)
    assert Listing.get_by_id(listing.id).status == S.APPROVED
    assert expire_due(expires) == (1, 0)
    assert expire_due(expires + dt.timedelta(days=1)) == (0, 0)  # once
    assert remind_due(expires + dt.timedelta(days=1)) == (0, 0)
    assert Listing.get_by_id(listing.id).status == S.EXPIRED
    assert _notes(listing, "expired") == 1
    assert _mails(alice)[len(already) :] == ["Your listing expires in 3 days", "Your listing has expired"]


def test_a_listing_found_past_its_time_gets_only_the_expiry_notice(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    later = listing.expires_at + dt.timedelta(days=5)
    assert remind_due(later) == (0, 0)
    assert expire_due(later) == (1, 0)
    assert (_notes(listing, "expiring"), _notes(listing, "expired")) == (0, 1)


def test_only_approved_listings_expire(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    expires = listing.expires_at
    lifecycle.withdraw(alice, listing.id)
    assert expire_due(expires + SECOND) == (0, 0)
    assert remind_due(expires - SECOND) == (0, 0)
    assert Listing.get_by_id(listing.id).status == S.WITHDRAWN


def test_renewing_starts_a_new_period_with_a_new_reminder(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    remind_due(listing.expires_at - SECOND)
    expire_due(listing.expires_at)
    renewed = lifecycle.renew(alice, listing.id)
    assert renewed.expires_at > listing.expires_at
    assert remind_due(renewed.expires_at - SECOND) == (1, 0)
    assert _notes(listing, "expiring") == 2


def test_the_mails_are_in_the_owners_language(make_user, admin, make_listing):
    olga = make_user("olga", locale="ru")
    listing = make_listing(olga, status=S.APPROVED, admin=admin)
    remind_due(listing.expires_at - SECOND)
    expire_due(listing.expires_at)
    mails = list(OutgoingMail.select().where(OutgoingMail.recipient == olga.email).order_by(OutgoingMail.id))
    assert [m.subject for m in mails[-2:]] == [
        "Срок вашего объявления истекает через 3 дня",
        "Срок вашего объявления истёк",
    ]
    assert "Продлить" in mails[-1].body_text


def test_run_jobs_expires_what_is_due(app, alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    # The clock of the command is the real one: move the listing's time instead.
    Listing.update(expires_at=listing.expires_at - dt.timedelta(days=100)).where(Listing.id == listing.id).execute()
    result = CliRunner().invoke(app.cli, ["run-jobs"], catch_exceptions=False)
    assert "Listing expiry: expired 1, failed 0." in result.output, result.output
    assert Listing.get_by_id(listing.id).status == S.EXPIRED
    result = CliRunner().invoke(app.cli, ["run-jobs"], catch_exceptions=False)
    assert "Listing expiry: expired 0, failed 0." in result.output
