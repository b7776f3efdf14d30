"""The worker's queue on Redis (several app servers): a nudge reaches the worker; a dead Redis loses nothing."""

import logging
import os
import time

import pytest

from models import WebhookEvent
from models.jobs import get_huey, start_in_process_worker
from tests.fake_smtp import free_port

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _redis_problem():
    try:
        import redis

        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # any failure means: no Redis here
        return f"Redis not reachable at {TEST_REDIS_URL} ({exc.__class__.__name__})"
    return None


@pytest.fixture
def redis_url(request):
    return request.param


@pytest.fixture
def app_config(app_config, redis_url):
    return {**app_config, "REDIS_URL": redis_url}


@pytest.fixture(autouse=True)
def memory_limiter_afterwards(app_config):
    yield
    from app import create_app

    # One limiter object serves every app in this process: give it back its memory storage.
    create_app({**app_config, "REDIS_URL": None})


@pytest.mark.parametrize("redis_url", [TEST_REDIS_URL], indirect=True)
def test_on_redis_the_nudge_reaches_the_worker(app, alice, make_listing, receiver):
    problem = _redis_problem()
    if problem:
        pytest.skip(problem)
    huey = get_huey(app)
    huey.flush()
    receiver.start()
    try:
        make_listing(alice)
        assert [task.name for task in huey.pending()] == ["deliver_webhooks"]
        consumer = start_in_process_worker(app)
        try:
            deadline = time.monotonic() + 15
            while not receiver.delivered() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            consumer.stop(graceful=True)
    finally:
        huey.flush()
    assert receiver.delivered_events() == ["listing.put_up"]


@pytest.mark.parametrize("redis_url", [f"redis://127.0.0.1:{free_port()}/0"], indirect=True)
def test_redis_down_the_move_succeeds_and_the_event_waits(app, alice, make_listing, receiver, run_jobs, caplog):
    receiver.start()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="models.jobs"):
        listing = make_listing(alice)
    assert time.monotonic() - started < 2
    assert "could not nudge the worker; the webhook event stays queued" in caplog.text
    assert WebhookEvent.get().status == "pending"
    assert run_jobs().exit_code == 0
    assert [body["listing"]["id"] for body in receiver.delivered()] == [listing.id]
