"""Events reach a real store endpoint on loopback: signed, in order, once, whatever the store does."""

import threading
import time
from datetime import timedelta

from models import WebhookEvent, db
from models import webhooks as webhooks_module
from models.jobs import get_huey, jobs_for, start_in_process_worker
from models.webhooks import MAX_WEBHOOK_ATTEMPTS, deliver_due

from .flows import sell_it

MOVES = ["listing.put_up", "listing.approve", "listing.sell"]


def test_moves_arrive_signed_in_order_with_their_ids(
    client, login_as, alice, admin, make_completed_line, receiver, run_jobs
):
    receiver.start()
    listing, _slowest = sell_it(client, login_as, alice, admin, make_completed_line(alice))
    assert receiver.requests == []  # nothing is sent by the requests themselves

    result = run_jobs()
    assert result.exit_code == 0, result.output
    assert "Webhook events: delivered 3, failed 0." in result.output
    assert receiver.delivered_events() == MOVES
    events = list(WebhookEvent.select().order_by(WebhookEvent.id))
    for request, event in zip(receiver.requests, events, strict=True):
        assert request["signed"], "the signature does not match the body and the secret"
        assert request["path"] == "/flea/events"
        assert request["headers"]["Content-Type"] == "application/json"
        assert request["headers"]["X-Flea-Event-Id"] == request["body"]["id"] == event.event_id
        assert request["raw"] == event.body.encode()  # what was frozen is what was sent
        assert event.status == "delivered" and event.attempts == 1
    bodies = receiver.delivered()
    assert len({body["id"] for body in bodies}) == 3
    assert [body["listing"]["status"] for body in bodies] == ["moderation", "approved", "sold"]
    approved = bodies[1]["listing"]
    assert approved["id"] == listing.id and approved["url"] == f"http://localhost/pristroy/{listing.id}"
    assert (approved["name"], approved["price"], approved["currency"], approved["quantity"]) == (
        "Wool coat, size M",
        "700.00",
        "RUB",
        1,
    )
    assert bodies[0]["listing"]["published_at"] is None and approved["published_at"].endswith("Z")
    assert all(body["at"].endswith("Z") for body in bodies)

    # Run again: nothing is sent twice.
    assert "delivered 0, failed 0" in run_jobs().output
    assert len(receiver.requests) == 3


def test_a_wrong_secret_is_seen_by_the_store(client, login_as, alice, admin, make_completed_line, receiver, run_jobs):
    receiver.secret = "not-the-shared-secret"
    receiver.start()
    sell_it(client, login_as, alice, admin, make_completed_line(alice))
    run_jobs()
    assert len(receiver.requests) == 3 and not any(request["signed"] for request in receiver.requests)


def test_store_down_for_a_while_gets_everything_afterwards_in_order_once(
    client, login_as, alice, bob, admin, make_completed_line, receiver, run_jobs, clock
):
    # Nothing listens on the store's port: the moves still succeed at once.
    _first, slowest = sell_it(client, login_as, alice, admin, make_completed_line(alice))
    _second, slowest_too = sell_it(client, login_as, bob, admin, make_completed_line(bob))
    assert max(slowest, slowest_too) < 1.0

    result = run_jobs()
    assert result.exit_code == 1 and "Webhook events: delivered 0, failed 1." in result.output
    head, *rest = WebhookEvent.select().order_by(WebhookEvent.id)
    assert head.attempts == 1 and head.status == "pending" and "could not connect" in head.last_error
    assert timedelta(seconds=50) < head.next_attempt_at - clock.now() <= timedelta(minutes=1)
    assert [event.attempts for event in rest] == [0] * 5  # held back behind the head, not tried

    # Within the backoff nothing is tried; then the store is still down: the wait doubles.
    assert "delivered 0, failed 0." in run_jobs().output
    clock.advance(minutes=1, seconds=1)
    assert "delivered 0, failed 1." in run_jobs().output
    head = WebhookEvent.get_by_id(head.id)
    assert head.attempts == 2 and timedelta(minutes=1) < head.next_attempt_at - clock.now() <= timedelta(minutes=3)

    # An hour later the store is back: all six arrive, in the order of the moves, once each.
    receiver.start()
    clock.advance(hours=1)
    result = run_jobs()
    assert result.exit_code == 0 and "Webhook events: delivered 6, failed 0." in result.output
    assert receiver.delivered_events() == MOVES + MOVES
    assert [body["listing"]["id"] for body in receiver.delivered()] == [_first.id] * 3 + [_second.id] * 3
    assert [body["id"] for body in receiver.delivered()] == [
        e.event_id for e in WebhookEvent.select().order_by(WebhookEvent.id)
    ]
    clock.advance(hours=1)
    run_jobs()
    assert len(receiver.requests) == 6
    assert {event.status for event in WebhookEvent.select()} == {"delivered"}


def test_a_store_that_does_not_answer_in_time_is_a_failure_retried(
    client, login_as, alice, admin, make_completed_line, receiver, run_jobs, clock
):
    receiver.hang = 2.0  # longer than WEBHOOK_TIMEOUT
    receiver.start()
    _listing, slowest = sell_it(client, login_as, alice, admin, make_completed_line(alice))
    assert slowest < 1.0  # the requests never waited for the store

    started = time.monotonic()
    result = run_jobs()
    assert time.monotonic() - started < 1.9  # gave up waiting after the timeout
    assert result.exit_code == 1 and "delivered 0, failed 1." in result.output
    head = WebhookEvent.select().order_by(WebhookEvent.id).first()
    assert head.attempts == 1 and "no answer within 1 s" in head.last_error

    receiver.hang = 0
    clock.advance(minutes=2)
    assert "delivered 3, failed 0." in run_jobs().output
    # The first POST arrived but was never answered in time: it was sent again (the store drops the repeat by id).
    assert [r["body"]["event"] for r in receiver.requests] == [MOVES[0]] + MOVES
    assert receiver.delivered_events() == MOVES


def test_a_500_then_200(client, login_as, alice, admin, make_completed_line, receiver, run_jobs, clock):
    receiver.answers = [500]
    receiver.start()
    sell_it(client, login_as, alice, admin, make_completed_line(alice))
    result = run_jobs()
    assert "delivered 0, failed 1." in result.output
    assert WebhookEvent.select().order_by(WebhookEvent.id).first().last_error == "HTTP 500"
    clock.advance(minutes=2)
    assert "delivered 3, failed 0." in run_jobs().output
    assert [(r["body"]["event"], r["status"]) for r in receiver.requests] == [(MOVES[0], 500)] + [
        (move, 200) for move in MOVES
    ]


def test_a_redirect_is_not_a_delivery(client, login_as, alice, admin, make_completed_line, receiver, run_jobs):
    receiver.answers = [302]
    receiver.start()
    sell_it(client, login_as, alice, admin, make_completed_line(alice))
    assert "delivered 0, failed 1." in run_jobs().output
    assert WebhookEvent.select().order_by(WebhookEvent.id).first().last_error == "HTTP 302"


def test_given_up_events_are_reported_by_check_and_sent_again_on_request(
    client, login_as, alice, admin, make_completed_line, receiver, run_jobs, runner
):
    receiver.answers = [500]
    receiver.start()
    sell_it(client, login_as, alice, admin, make_completed_line(alice))
    head = WebhookEvent.select().order_by(WebhookEvent.id).first()
    WebhookEvent.update(attempts=MAX_WEBHOOK_ATTEMPTS - 1).where(WebhookEvent.id == head.id).execute()

    # The last attempt fails: the event is given up and no longer holds back the others.
    result = run_jobs()
    assert result.exit_code == 1 and "delivered 2, failed 1." in result.output
    assert WebhookEvent.get_by_id(head.id).status == "failed"
    assert receiver.delivered_events() == MOVES[1:]

    report = runner.invoke(args=["check"])
    assert report.exit_code == 1
    assert "Webhook events given up on: 1 (run-jobs --retry-failed delivers them again)" in report.output
    assert (
        f"{head.event_id} listing.put_up of listing {head.listing_id}: {MAX_WEBHOOK_ATTEMPTS} attempts, HTTP 500"
        in (report.output)
    )

    result = run_jobs("--retry-failed")
    assert result.exit_code == 0, result.output
    assert "Webhook events: put back in the queue: 1." in result.output and "delivered 1, failed 0." in result.output
    assert receiver.delivered_events() == MOVES[1:] + MOVES[:1]
    report = runner.invoke(args=["check"])
    assert report.exit_code == 0, report.output
    assert "Webhook events given up on: 0" in report.output


def test_two_senders_at_once_send_each_event_once_and_in_order(app, alice, admin, make_listing, receiver):
    receiver.delay = 0.05
    receiver.start()
    for n in range(4):
        make_listing(alice, status="approved", admin=admin, name=f"Coat {n}")
    expected = [e.event_id for e in WebhookEvent.select().order_by(WebhookEvent.id)]
    assert len(expected) == 8
    db.database.close()  # each sender opens its own connection
    results, errors = [], []

    def sender():
        try:
            with app.app_context():
                db.database.connect(reuse_if_open=True)
                try:
                    results.append(deliver_due())
                finally:
                    db.database.close()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.database.connect(reuse_if_open=True)
    assert errors == []
    assert sum(delivered for delivered, _failed in results) == 8
    assert [r["body"]["id"] for r in receiver.requests] == expected


def test_the_worker_delivers_after_the_commit(
    client, login_as, alice, admin, make_completed_line, receiver, monkeypatch
):
    receiver.start()
    huey = get_huey(client.application)
    huey.immediate = True  # the nudge's task runs as soon as it is sent
    seen_in_transaction = []
    real_post = webhooks_module.post

    def spying_post(event, *args):
        seen_in_transaction.append(db.database.obj.in_transaction())
        return real_post(event, *args)

    monkeypatch.setattr(webhooks_module, "post", spying_post)
    sell_it(client, login_as, alice, admin, make_completed_line(alice))
    assert receiver.delivered_events() == MOVES
    assert seen_in_transaction == [False, False, False]


def test_the_in_process_worker_delivers_queued_events(app, alice, make_listing, receiver):
    receiver.start()
    consumer = start_in_process_worker(app)
    try:
        make_listing(alice)
        deadline = time.monotonic() + 15
        while not receiver.delivered() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert receiver.delivered_events() == ["listing.put_up"]


def test_the_periodic_task_delivers_what_is_due(app, alice, make_listing, receiver):
    receiver.start()
    make_listing(alice)
    jobs = jobs_for(app)
    # Run every minute by the consumer:
    assert "deliver_webhooks_due" in [task.name for task in jobs.huey._registry.periodic_tasks]
    assert jobs.deliver_webhooks_due.call_local() == (1, 0)
    assert receiver.delivered_events() == ["listing.put_up"]


def test_the_store_gets_five_seconds_by_default():
    from web.config import load

    assert load({}, environ={})["WEBHOOK_TIMEOUT"] == 5
    assert load({}, environ={"WEBHOOK_TIMEOUT": "2.5"})["WEBHOOK_TIMEOUT"] == 2.5
