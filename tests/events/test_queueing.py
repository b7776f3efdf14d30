"""Which moves queue which events, with what body, and when nothing is queued."""

import json

import pytest

from models import Listing, ListingStatus, WebhookEvent, lifecycle
from models.jobs import get_huey
from models.listing_input import ListingData

from .flows import sell_it

S = ListingStatus
DOCUMENT_KEYS = {
    "id",
    "url",
    "name",
    "price",
    "currency",
    "quantity",
    "photo_url",
    "thumbnail_url",
    "photos",
    "published_at",
    "product",
    "status",
}


def bodies():
    return [json.loads(event.body) for event in WebhookEvent.select().order_by(WebhookEvent.id)]


def webhook_nudges(app):
    return [task.name for task in get_huey(app).pending()].count("deliver_webhooks")


def data(name, price="1500", quantity=1):
    return ListingData(name=name, description="Worn twice. Call +7 900 000-00-00", price=price, quantity=quantity)


def test_each_move_queues_its_event_with_the_listing_as_it_was_then(app, alice, admin, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    listing = lifecycle.put_up_for_sale(alice, line.id, data("Blue jacket"))
    lifecycle.approve(admin, listing.id)
    lifecycle.reopen(listing.id, "Three visitors reported it")
    lifecycle.decline(admin, listing.id, "Add a photo of the label")
    lifecycle.admin_edit(admin, listing.id, data("Blue jacket, size M"))
    lifecycle.edit_listing(alice, listing.id, data("Blue jacket, size M", price="1200"))
    lifecycle.approve(admin, listing.id)
    lifecycle.mark_sold(alice, listing.id)
    other = lifecycle.put_up_for_sale(alice, line.id, data("Red scarf"))
    lifecycle.remove(admin, other.id)

    sent = bodies()
    assert [(b["event"], b["listing"]["status"], b["listing"]["name"], b["listing"]["price"]) for b in sent] == [
        ("listing.put_up", S.MODERATION, "Blue jacket", "1500.00"),
        ("listing.approve", S.APPROVED, "Blue jacket", "1500.00"),
        ("listing.reopen", S.MODERATION, "Blue jacket", "1500.00"),
        ("listing.decline", S.DECLINED, "Blue jacket", "1500.00"),
        ("listing.admin_edit", S.DECLINED, "Blue jacket, size M", "1500.00"),
        ("listing.edit", S.MODERATION, "Blue jacket, size M", "1200.00"),
        ("listing.approve", S.APPROVED, "Blue jacket, size M", "1200.00"),
        ("listing.sell", S.SOLD, "Blue jacket, size M", "1200.00"),
        ("listing.put_up", S.MODERATION, "Red scarf", "1500.00"),
        ("listing.remove", S.REMOVED, "Red scarf", "1500.00"),
    ]
    assert all(set(b) == {"id", "event", "at", "listing"} for b in sent)
    assert all(set(b["listing"]) == DOCUMENT_KEYS for b in sent)
    assert len({b["id"] for b in sent}) == len(sent)
    assert [e.listing_id for e in WebhookEvent.select().order_by(WebhookEvent.id)] == [listing.id] * 8 + [other.id] * 2
    # One nudge per committed move, for the worker.
    assert webhook_nudges(app) == len(sent)


def test_a_rolled_back_move_queues_no_event(app, alice, admin, make_listing, monkeypatch):
    listing = make_listing(alice)
    before, nudges = WebhookEvent.select().count(), webhook_nudges(app)

    def broken_notify(*args, **kwargs):
        raise RuntimeError("the notification could not be written")

    # The approval fails after its event was written, in the same transaction.
    monkeypatch.setattr(lifecycle, "notify", broken_notify)
    with pytest.raises(RuntimeError):
        lifecycle.approve(admin, listing.id)
    assert Listing.get_by_id(listing.id).status == S.MODERATION
    assert (WebhookEvent.select().count(), webhook_nudges(app)) == (before, nudges)

    # A move refused for a stale version writes nothing either.
    with pytest.raises(lifecycle.ListingStateError):
        lifecycle.mark_sold(alice, listing.id, seen_version=listing.version + 5)
    assert (WebhookEvent.select().count(), webhook_nudges(app)) == (before, nudges)


def test_without_webhook_url_nothing_is_queued(app, client, login_as, alice, admin, make_completed_line, run_jobs):
    app.config["WEBHOOK_URL"] = None
    sell_it(client, login_as, alice, admin, make_completed_line(alice))
    assert Listing.get().status == S.SOLD
    assert WebhookEvent.select().count() == 0 and webhook_nudges(app) == 0
    result = run_jobs()
    assert result.exit_code == 0 and "Webhook events: delivered 0, failed 0." in result.output


def test_a_url_without_a_secret_keeps_the_events_unsent(app, alice, make_listing, receiver, run_jobs, runner):
    receiver.start()
    app.config["WEBHOOK_SECRET"] = None
    make_listing(alice)
    result = run_jobs()
    assert result.exit_code == 1
    assert "WEBHOOK_URL is set but WEBHOOK_SECRET is not: events are kept, not sent unsigned" in result.output
    assert receiver.requests == []
    report = runner.invoke(args=["check"])
    assert report.exit_code == 1 and "Webhook events waiting to be delivered: 1 (run run-jobs)" in report.output
    assert "WEBHOOK_SECRET is not" in report.output

    app.config["WEBHOOK_SECRET"] = "store-shared-secret"
    assert run_jobs().exit_code == 0
    assert receiver.delivered_events() == ["listing.put_up"] and receiver.requests[0]["signed"]
