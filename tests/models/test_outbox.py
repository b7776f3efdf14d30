"""The outbox: no request talks to a mail server, each mail is sent once, failures back off and are kept."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from huey.signals import SIGNAL_COMPLETE, SIGNAL_EXECUTING

from models import Listing, ListingStatus, OutgoingMail, db, lifecycle
from models import outbox as outbox_module
from models.db import database
from models.jobs import get_huey, start_in_process_worker
from models.outbox import MAX_MAIL_ATTEMPTS, drain, queue_mail
from models.users import utcnow
from tests.fake_smtp import FakeSMTPServer, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def smtp_port():
    return free_port()  # nothing listens there until a test starts a server


@pytest.fixture
def app_config(app_config, smtp_port):
    return {
        **app_config,
        "MAIL_BACKEND": "smtp",  # TESTING would otherwise pick flask-mailman's in-memory backend
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 1,
    }


@pytest.fixture
def smtp_server(smtp_port):
    """Start the fake SMTP server on `smtp_port`; returns the list of messages it accepted."""
    servers = []

    def _start(delay=0.0):
        server = FakeSMTPServer(smtp_port, delay=delay).start()
        servers.append(server)
        return server.messages

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def hanging_server(smtp_port):
    """A mail server that accepts the TCP connection and never says a word."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", smtp_port))
    listener.listen(16)
    accepted = []

    def _accept():
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            accepted.append(conn)  # kept open, never answered

    threading.Thread(target=_accept, daemon=True).start()
    yield accepted
    listener.close()
    for conn in accepted:
        conn.close()


def _queue(n, prefix="buyer"):
    with database().atomic():
        return [queue_mail(f"{prefix}{i}@example.com", f"Hello {i}", f"Body {i}") for i in range(n)]


def _drain_in_thread(app, results, barrier):
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        try:
            barrier.wait(10)
            results.append(drain())
        finally:
            db.database.close()


def test_approval_returns_at_once_while_the_mail_server_hangs(app, make_user, make_listing, hanging_server):
    admin = make_user("admin", admin=True)
    alice = make_user("alice")
    listing = make_listing(alice)

    started = time.monotonic()
    lifecycle.approve(admin, listing.id)
    elapsed = time.monotonic() - started

    assert elapsed < 0.5 * app.config["MAIL_TIMEOUT"] + 0.5
    assert hanging_server == []  # the request never even connected
    mail = OutgoingMail.get()
    assert mail.recipient == "alice@example.com" and mail.status == "pending" and mail.attempts == 0

    # The background sender gives up on the silent server after MAIL_TIMEOUT and keeps the mail.
    started = time.monotonic()
    assert drain() == (0, 1)
    assert time.monotonic() - started < app.config["MAIL_TIMEOUT"] * 3 + 2
    mail = OutgoingMail.get_by_id(mail.id)
    assert mail.status == "pending" and mail.attempts == 1 and "timed out" in mail.last_error
    assert Listing.get_by_id(listing.id).status == ListingStatus.APPROVED


def test_two_threads_draining_at_once_send_each_mail_once(app, smtp_server):
    messages = smtp_server(delay=0.01)
    mails = _queue(30)
    results, barrier = [], threading.Barrier(2)
    threads = [threading.Thread(target=_drain_in_thread, args=(app, results, barrier)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(sent for sent, _failed in results) == 30 and all(failed == 0 for _sent, failed in results)
    assert len(messages) == 30
    assert sorted(next(line for line in m.splitlines() if line.startswith("To: ")) for m in messages) == sorted(
        f"To: {m.recipient}" for m in mails
    )
    assert OutgoingMail.pending().count() == 0


def test_two_send_mail_processes_send_each_mail_once(app, db_kind, smtp_server, smtp_port):
    if db_kind != "sqlite":
        pytest.skip("the two-thread test covers PostgreSQL; processes check SQLite's file locking")
    messages = smtp_server(delay=0.03)
    _queue(40)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "INSTANCE_PATH": app.instance_path,
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "flask", "--app", "app", "send-mail"]
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]

    assert all(proc.returncode == 0 for proc in procs), outputs
    assert len(messages) == 40
    assert len({next(line for line in m.splitlines() if line.startswith("To: ")) for m in messages}) == 40
    assert OutgoingMail.pending().count() == 0


def test_a_failed_send_backs_off_then_gives_up_and_can_be_retried(app, smtp_server):
    runner = app.test_cli_runner()
    (mail,) = _queue(1)

    assert drain() == (0, 1)  # nothing listens on the port
    mail = OutgoingMail.get_by_id(mail.id)
    assert mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert drain() == (0, 0)  # not retried before its time
    assert OutgoingMail.get_by_id(mail.id).attempts == 1

    # Each failure waits longer than the one before.
    delays = [outbox_module.retry_delay(n) for n in range(1, MAX_MAIL_ATTEMPTS)]
    assert delays == sorted(delays) and delays[1] == 2 * delays[0]

    # The last attempt fails: the mail is given up on, kept, and `check` lists it.
    OutgoingMail.update(attempts=MAX_MAIL_ATTEMPTS - 1, next_attempt_at=utcnow()).execute()
    assert drain() == (0, 1)
    mail = OutgoingMail.get_by_id(mail.id)
    assert mail.status == "failed" and mail.failed_at is not None and mail.attempts == MAX_MAIL_ATTEMPTS
    OutgoingMail.update(next_attempt_at=utcnow() - timedelta(days=1)).execute()
    assert drain() == (0, 0)  # given up means not tried again by itself
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "Mail given up on: 1" in result.output
    assert f"buyer0@example.com: 'Hello 0', {MAX_MAIL_ATTEMPTS} attempts, last error: " in result.output
    assert "Mail waiting to be sent: 0" in result.output

    # The server is back: --retry-failed puts it back in the queue and sends it.
    messages = smtp_server()
    result = runner.invoke(args=["send-mail", "--retry-failed"])
    assert result.exit_code == 0, result.output
    assert "Put back in the queue: 1." in result.output and "Sent 1, failed 0." in result.output
    assert len(messages) == 1 and "buyer0@example.com" in messages[0]
    assert OutgoingMail.get_by_id(mail.id).status == "sent"
    assert "Mail given up on: 0" in runner.invoke(args=["check"]).output


def test_a_claim_left_by_a_killed_sender_is_taken_again_when_old(app, smtp_server):
    messages = smtp_server()
    (mail,) = _queue(1)
    OutgoingMail.update(claim_token="x" * 32, claimed_at=utcnow()).execute()
    assert drain() == (0, 0)  # a live sender may still be on it
    OutgoingMail.update(claimed_at=utcnow() - timedelta(hours=1)).execute()
    assert drain() == (1, 0)
    assert len(messages) == 1 and OutgoingMail.get_by_id(mail.id).claim_token is None


def test_mail_is_sent_by_the_huey_task_after_the_commit(app, smtp_server, monkeypatch):
    messages = smtp_server()
    huey = get_huey(app)
    huey.immediate = True
    in_task, sends = [], []

    @huey.signal(SIGNAL_EXECUTING)
    def _executing(_signal, task):
        in_task.append(True)

    @huey.signal(SIGNAL_COMPLETE)
    def _complete(_signal, task):
        in_task.pop()

    real_send = outbox_module._send

    def spying_send(mail):
        sends.append(bool(in_task))
        return real_send(mail)

    monkeypatch.setattr(outbox_module, "_send", spying_send)
    with database().atomic():
        mail = queue_mail("carol@example.com", "Hi", "Body")
        assert sends == []  # queued only
    assert sends == [True]  # sent once, by the task
    assert len(messages) == 1 and OutgoingMail.get_by_id(mail.id).status == "sent"


def test_queueing_without_a_worker_only_enqueues_a_nudge(app, monkeypatch):
    monkeypatch.setattr(outbox_module, "_send", lambda mail: pytest.fail("sent in the caller"))
    huey = get_huey(app)
    assert huey.storage.filename == os.path.join(app.instance_path, "huey.db")
    mail = queue_mail("dave@example.com", "Hi", "Body")
    assert huey.pending_count() == 1
    assert OutgoingMail.get_by_id(mail.id).status == "pending"


def test_in_process_worker_sends_queued_mail(app, smtp_server):
    messages = smtp_server()
    consumer = start_in_process_worker(app)
    try:
        mail = queue_mail("erin@example.com", "Hi", "Body")
        deadline = time.monotonic() + 15
        while OutgoingMail.get_by_id(mail.id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert OutgoingMail.get_by_id(mail.id).status == "sent"
    assert len(messages) == 1


def test_send_mail_watch_runs_the_worker_until_interrupted(app, db_kind, smtp_server, smtp_port):
    if db_kind != "sqlite":
        pytest.skip("one database is enough to check the command's process")
    messages = smtp_server()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "INSTANCE_PATH": app.instance_path,
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "flask", "--app", "app", "send-mail", "--watch"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        mail = queue_mail("frank@example.com", "Hi", "Body")  # the nudge goes to the same huey.db
        deadline = time.monotonic() + 30
        while OutgoingMail.get_by_id(mail.id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=30)[0]
    assert OutgoingMail.get_by_id(mail.id).status == "sent", output
    assert len(messages) == 1
    assert "Mail worker running" in output and proc.returncode == 0, output
