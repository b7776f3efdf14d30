"""gunicorn's settings for Flea Market behind nginx (deploy/README.md).

    gunicorn -c deploy/gunicorn.conf.py "app:create_app()"

Command-line options override these (the nginx test passes its own --bind and
--workers). Sync workers are right here because nginx buffers whole requests and
answers (deploy/nginx/flea-market.conf): a worker only ever talks to nginx, at
memory speed, never to a slow client.
"""

import multiprocessing
import os
import shutil
import tempfile

# nginx connects here (the upstream in deploy/nginx/flea-market.conf). systemd makes
# /run/flea-market (RuntimeDirectory=) for the service's user.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/flea-market/gunicorn.sock")
# The socket is rw for the service's group, which nginx's user (www-data) is added to.
umask = 0o007

# The usual 2 x CPU + 1: while one worker waits on PostgreSQL another can compute.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request still running after 30 s is killed (nginx waits 35 s, so the client gets the 502).
timeout = 30
graceful_timeout = 30
# A fresh worker now and then keeps a slow leak from growing; the jitter keeps the
# workers from all restarting at the same moment.
max_requests = 1000
max_requests_jitter = 100

# The client's address and scheme are the app's business alone (TRUSTED_PROXIES, ProxyFix):
# gunicorn trusts any peer on a unix socket, and would otherwise take the scheme from
# X-Forwarded-Proto (and SCRIPT_NAME from a header) whatever TRUSTED_PROXIES says.
secure_scheme_headers = {}
forwarder_headers = ""

# Logs go to the journal (stderr); the app writes its own line per request.
accesslog = None
errorlog = "-"

# Prometheus' multi-process mode (web/metrics.py): every worker writes its figures
# into this folder and /metrics adds them up. A fresh folder per run, so a restart
# never mixes in a dead run's files; set PROMETHEUS_MULTIPROC_DIR to choose it.
_own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="flea-market-metrics-"))


def on_starting(server):
    """An operator's own PROMETHEUS_MULTIPROC_DIR may hold a dead run's files: start from zero."""
    from web import metrics

    metrics.on_starting(server)


def post_worker_init(worker):
    """The app is loaded in this worker: read the search's word-form dictionaries before the
    first request, so the first visitor's search does not wait 2–4 s for them."""
    from models.search import warm_up

    warm_up()


def child_exit(server, worker):
    """A worker ended: web.metrics drops its live gauges from the sums."""
    from web import metrics

    metrics.child_exit(server, worker)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
