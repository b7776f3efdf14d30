"""`/metrics`: Prometheus text for the allowed addresses only; requests by endpoint, method
and status, latency by endpoint, and the backlogs read at scrape time; right with several
gunicorn workers."""

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import SERVED_APP_PORT, wait_for_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def samples(text):
    """{(name, frozenset(labels)): value} of a scrape."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def scrape(client, **environ):
    response = client.get("/metrics", environ_base=environ)
    return response


def requests_count(values, endpoint, method="GET", status="200"):
    key = ("flea_http_requests_total", frozenset({"endpoint": endpoint, "method": method, "status": status}.items()))
    return values.get(key, 0)


def test_requests_are_counted_and_timed_by_endpoint(app, client):
    before = samples(scrape(client).get_data(as_text=True))
    client.get("/pristroy/")
    client.get("/pristroy/?page=2")
    client.get("/no/such/page")
    response = scrape(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    after = samples(response.get_data(as_text=True))
    assert requests_count(after, "showcase.index") - requests_count(before, "showcase.index") == 2
    assert requests_count(after, "unmatched", status="404") - requests_count(before, "unmatched", status="404") == 1
    count = ("flea_http_request_duration_seconds_count", frozenset({"endpoint": "showcase.index"}.items()))
    assert after[count] - before.get(count, 0) == 2
    inf = ("flea_http_request_duration_seconds_bucket", frozenset({"endpoint": "showcase.index", "le": "+Inf"}.items()))
    assert after[inf] == after[count]


def test_backlog_gauges_are_read_at_scrape_time(app, client, alice, admin, make_listing):
    from models import Listing, ListingStatus
    from models.outbox import OutgoingMail, queue_mail
    from models.users import utcnow

    values = samples(scrape(client).get_data(as_text=True))
    assert values[("flea_moderation_queue", frozenset())] == 0
    assert values[("flea_moderation_oldest_age_seconds", frozenset())] == 0
    waiting = [make_listing(alice) for _ in range(3)]
    make_listing(alice, status=ListingStatus.APPROVED, admin=admin)
    Listing.update(updated_at=utcnow() - timedelta(hours=2)).where(Listing.id == waiting[0].id).execute()
    OutgoingMail.delete().execute()
    for n in range(3):
        queue_mail(f"u{n}@example.com", "Hi", "Body")
    OutgoingMail.update(failed_at=utcnow()).where(OutgoingMail.recipient == "u0@example.com").execute()
    from models.webhooks import WebhookEvent

    WebhookEvent.delete().execute()
    for n, (delivered, failed) in enumerate([(None, None), (None, None), (None, utcnow()), (utcnow(), None)]):
        WebhookEvent.create(
            event_id=f"e{n}", event="listing.approve", listing_id=1, body="{}", delivered_at=delivered, failed_at=failed
        )
    values = samples(scrape(client).get_data(as_text=True))
    assert values[("flea_moderation_queue", frozenset())] == 3
    assert 7200 <= values[("flea_moderation_oldest_age_seconds", frozenset())] < 7200 + 60
    assert values[("flea_outbox_backlog", frozenset({"state": "pending"}.items()))] == 2
    assert values[("flea_outbox_backlog", frozenset({"state": "failed"}.items()))] == 1
    assert values[("flea_webhook_backlog", frozenset({"state": "pending"}.items()))] == 2
    assert values[("flea_webhook_backlog", frozenset({"state": "failed"}.items()))] == 1


def test_a_scrape_runs_the_same_queries_however_long_the_queues(app, client, alice, make_listing, caplog):
    from models.outbox import queue_mail

    def queries_of_a_scrape():
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="peewee"):
            assert scrape(client).status_code == 200
        return len([r for r in caplog.records if r.name == "peewee"])

    make_listing(alice)
    queue_mail("a@example.com", "Hi", "Body")
    few = queries_of_a_scrape()
    from models.webhooks import WebhookEvent

    for n in range(6):
        make_listing(alice)
        queue_mail(f"b{n}@example.com", "Hi", "Body")
        WebhookEvent.create(event_id=f"q{n}", event="listing.put_up", listing_id=1, body="{}")
    assert queries_of_a_scrape() == few


@pytest.mark.parametrize(
    ("allow", "address", "allowed"),
    [
        (None, "127.0.0.1", True),
        (None, "::1", True),
        (None, "10.1.2.3", False),
        ("10.0.0.0/8, 192.168.5.7", "10.1.2.3", True),
        ("10.0.0.0/8, 192.168.5.7", "192.168.5.7", True),
        ("10.0.0.0/8, 192.168.5.7", "127.0.0.1", False),
        ("10.0.0.0/8", "::ffff:10.0.0.9", True),
    ],
)
def test_only_addresses_in_metrics_allow_get_an_answer(sqlite_config, allow, address, allowed):
    from app import create_app

    config = dict(sqlite_config) if allow is None else {**sqlite_config, "METRICS_ALLOW": allow}
    response = create_app(config).test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == (200 if allowed else 404)
    if not allowed:
        assert "flea_http_requests" not in response.get_data(as_text=True)


def test_a_bad_metrics_allow_stops_the_start_with_a_clear_message(sqlite_config):
    from app import create_app

    with pytest.raises(ValueError, match="METRICS_ALLOW: 'localhost' is not an IP address or network"):
        create_app({**sqlite_config, "METRICS_ALLOW": "127.0.0.1,localhost"})


# ---------------------------------------------------------------- several gunicorn workers


GUNICORN_CONFIG = """
import web.metrics

workers = 3
max_requests = 5  # workers end and are replaced during the test: their counts must stay


def on_starting(server):
    web.metrics.on_starting(server)


def child_exit(server, worker):
    web.metrics.child_exit(server, worker)
"""


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def _serve_and_count(tmp_path, env, requests):
    """Start gunicorn, make `requests` showcase requests, return the counts several scrapes report."""
    log = open(tmp_path / "gunicorn.log", "ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(tmp_path / "gunicorn.conf.py")]
        + ["-b", f"127.0.0.1:{SERVED_APP_PORT}", "app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{SERVED_APP_PORT}"
    try:
        wait_for_port(SERVED_APP_PORT, timeout=60)
        for _ in range(requests):
            assert _get(f"{base}/pristroy/")[0] == 200
        counts = set()
        for _ in range(6):  # answered by different workers, some of them new
            status, text = _get(f"{base}/metrics")
            assert status == 200
            counts.add(requests_count(samples(text), "showcase.index"))
            time.sleep(0.05)
        return counts
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
        wait_for_port(SERVED_APP_PORT, up=False)


def test_several_gunicorn_workers_report_one_consistent_count(tmp_path):
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    (tmp_path / "gunicorn.conf.py").write_text(GUNICORN_CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_", "TEST"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'served.db'}",
        INSTANCE_PATH=str(tmp_path / "instance"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SECRET_KEY="k" * 40,
        PUBLIC_URL="http://127.0.0.1",
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    assert _serve_and_count(tmp_path, env, 24) == {24}
    assert os.listdir(multiproc), "the workers wrote their counts there"
    # A new start counts from zero: the files of the last run are cleared by on_starting.
    assert _serve_and_count(tmp_path, env, 3) == {3}
    assert "Booting worker" in (tmp_path / "gunicorn.log").read_text()


def test_with_the_database_down_a_scrape_still_gives_the_request_figures(sqlite_config):
    from app import create_app
    from models.db import close_all
    from tests.conftest import prepare_database

    app = create_app(sqlite_config)
    with app.app_context():
        prepare_database(sqlite_config)
    close_all()
    client = app.test_client()
    client.get("/pristroy/")
    close_all()  # a pooled connection would go on reading the removed file
    path = sqlite_config["DATABASE_URL"].removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    os.makedirs(path)  # a folder where the file was: "unable to open database file"
    response = scrape(client)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    values = samples(response.get_data(as_text=True))
    assert requests_count(values, "showcase.index") >= 1
    assert ("flea_moderation_queue", frozenset()) not in values
