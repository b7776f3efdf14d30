"""The app as a user starts it: `python app.py`, no TESTING, no mail server."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_configure(config):
    config.addinivalue_line("markers", "shipped: runs `python app.py` as shipped, once (no database kinds)")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port, proc, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"python app.py exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"python app.py did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="module")
def shipped_app(tmp_path_factory):
    """A running `python app.py` on a free port; yields (base URL, instance path, its log file)."""
    base = tmp_path_factory.mktemp("shipped")
    instance, uploads = base / "instance", base / "uploads"
    port = _free_port()
    # Only what a user would have: none of the test switches, no database or mail server.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_", "TEST")) and k != "DATABASE_URL"}
    env.update(INSTANCE_PATH=str(instance), UPLOAD_DIR=str(uploads), PORT=str(port), HOST="127.0.0.1")
    env.pop("SECRET_KEY", None)
    log = open(base / "app.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", instance, base / "app.log"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
