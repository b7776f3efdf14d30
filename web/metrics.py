"""`GET /metrics`: Prometheus text format, for the addresses in `METRICS_ALLOW` only.

Requests are counted by endpoint, method and status, and timed by endpoint, as
each one finishes. The backlogs (mail in the outbox, the moderation queue and its
oldest listing's age, events not yet delivered to the store) are read from the
database when Prometheus scrapes.

Several gunicorn workers: with `PROMETHEUS_MULTIPROC_DIR` set (before the app is
imported) every worker writes its counts to files there and any worker's
`/metrics` adds them all up; gunicorn's `child_exit` hook must call
`child_exit(server, worker)` below so a dead worker's figures are merged and its
live-only files dropped. Without the variable the counts live in this process.
"""

import ipaddress
import logging
import os

from flask import abort, current_app, request, request_finished
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from .request_log import elapsed_seconds

log = logging.getLogger("flea_market")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
ENDPOINT = "metrics"

# Only the figures themselves: no `_created` timestamp series beside every counter.
disable_created_metrics()

# The counters of this process. In multiprocess mode the same objects write to files
# instead (prometheus_client decides when they are created, from the environment).
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("flea_http_requests", "HTTP requests answered", ["endpoint", "method", "status"], registry=REGISTRY)
LATENCY = Histogram("flea_http_request_duration_seconds", "Time to answer a request", ["endpoint"], registry=REGISTRY)


def multiprocess_mode():
    return bool(os.environ.get(MULTIPROCESS_ENV))


def on_starting(server):
    """For gunicorn's `on_starting` hook: start from an empty PROMETHEUS_MULTIPROC_DIR.

    Files left by an earlier run would add its counts to this one's.
    """
    folder = os.environ.get(MULTIPROCESS_ENV)
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.unlink(os.path.join(folder, name))


def child_exit(server, worker):
    """For gunicorn's `child_exit` hook: forget the live gauges of a worker that ended."""
    if multiprocess_mode():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


class BacklogCollector:
    """The backlog figures read at scrape time, as gauges."""

    def __init__(self, figures):
        self.figures = figures

    def collect(self):
        outbox = GaugeMetricFamily("flea_outbox_backlog", "Mail not sent yet, by state", labels=["state"])
        for state in ("pending", "failed"):
            outbox.add_metric([state], self.figures["outbox"][state])
        yield outbox
        webhooks = GaugeMetricFamily(
            "flea_webhook_backlog", "Listing events not delivered to the store yet, by state", labels=["state"]
        )
        for state in ("pending", "failed"):
            webhooks.add_metric([state], self.figures["webhooks"][state])
        yield webhooks
        yield GaugeMetricFamily(
            "flea_moderation_queue", "Listings waiting for moderation", value=self.figures["moderation"]["waiting"]
        )
        yield GaugeMetricFamily(
            "flea_moderation_oldest_age_seconds",
            "Seconds the longest-waiting listing has been on moderation (0 when none waits)",
            value=self.figures["moderation"]["oldest_age_seconds"],
        )


def parse_allowed(text):
    """`METRICS_ALLOW`: comma-separated addresses or networks."""
    networks = []
    for item in (text or "").split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise ValueError(f"METRICS_ALLOW: {item.strip()!r} is not an IP address or network") from None
    return networks


def client_allowed(address, networks):
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def metrics():
    """The scrape: request figures of this process (or of all workers) and the backlogs."""
    if not client_allowed(request.remote_addr, current_app.extensions["metrics_allow"]):
        abort(404)
    if multiprocess_mode():
        from prometheus_client import multiprocess

        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    backlog = CollectorRegistry()
    from models.backlog import figures
    from models.db import database

    try:
        with database().connection_context():
            backlog.register(BacklogCollector(figures()))
    except Exception as exc:  # the database is down: the request figures are still worth having
        log.warning("Metrics: could not read the backlog: %s", exc)
    body = generate_latest(requests) + generate_latest(backlog)
    return current_app.response_class(body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def answer_scrape():
    """Before every other hook, like /healthz: no session, no user, no connection opened
    up front, so a scrape still gets the request figures while the database is down."""
    return metrics() if request.endpoint == ENDPOINT else None


def _unreachable_view():
    raise RuntimeError("/metrics is answered by answer_scrape")


def _count(app, response, **extra):
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(elapsed_seconds())


def init_app(app):
    app.extensions["metrics_allow"] = parse_allowed(app.config["METRICS_ALLOW"])
    app.add_url_rule("/metrics", ENDPOINT, _unreachable_view, methods=["GET"])
    app.before_request_funcs.setdefault(None, []).insert(0, answer_scrape)
    request_finished.connect(_count, app, weak=False)
