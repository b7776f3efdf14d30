"""A store's webhook endpoint on loopback, and an app that sends its events there."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fake_smtp import free_port

SECRET = "store-shared-secret"


class Receiver:
    """The store's side: a real HTTP server that checks each signature and answers as told.

    `requests` is every POST that arrived (also those answered with an error or
    too late); `delivered()` the bodies it answered 2xx to in time, in arrival
    order. Each request is recorded before it is answered, so a sender that has
    its answer finds its request here.
    """

    def __init__(self, port, secret=SECRET):
        self.port, self.secret = port, secret
        self.requests = []
        self.answers = []  # statuses for the next requests, then 200
        self.delay = 0.0  # seconds to sleep before answering (a slow store, still in time)
        self.hang = 0.0  # seconds to sleep before answering, longer than the sender waits
        self.lock = threading.Lock()
        self._server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    delay = receiver.hang or receiver.delay
                    entry = {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "raw": body,
                        "body": json.loads(body),
                        "signed": hmac.compare_digest(self.headers.get("X-Flea-Signature", ""), expected),
                        "status": status,
                        "hung": bool(receiver.hang),
                    }
                    receiver.requests.append(entry)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting and closed the connection
                    pass

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivered(self):
        """Bodies answered 2xx in time, in the order they arrived."""
        with self.lock:
            return [r["body"] for r in self.requests if 200 <= r["status"] < 300 and not r["hung"]]

    def delivered_events(self):
        return [body["event"] for body in self.delivered()]


@pytest.fixture
def hook_port():
    return free_port()  # nothing listens there until a test starts the receiver


@pytest.fixture
def app_config(app_config, hook_port):
    return {
        **app_config,
        "WEBHOOK_URL": f"http://127.0.0.1:{hook_port}/flea/events",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_TIMEOUT": 1.0,  # keeps the hanging-store tests short; the default is 5
    }


@pytest.fixture
def receiver(hook_port):
    """The store's endpoint, not started: `receiver.start()` opens the port."""
    store = Receiver(hook_port)
    yield store
    store.stop()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(runner):
    def _run(*args):
        return runner.invoke(args=["run-jobs", *args])

    return _run


@pytest.fixture
def clock(monkeypatch):
    """Move the outbox's clock forward: `clock.advance(minutes=2)` makes a backoff run out."""
    from models import webhooks
    from models.users import utcnow

    class Clock:
        offset = timedelta()

        def advance(self, **delta):
            self.offset += timedelta(**delta)

        def now(self):
            return utcnow() + self.offset

    state = Clock()
    monkeypatch.setattr(webhooks, "utcnow", state.now)
    return state
