"""deploy/gunicorn.conf.py: its settings, its hook for web.metrics, and TRUSTED_PROXIES alone deciding the scheme."""

import http.client
import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.parse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONF = os.path.join(ROOT, "deploy", "gunicorn.conf.py")


@pytest.fixture
def conf(monkeypatch):
    """The config file's names, loaded without PROMETHEUS_MULTIPROC_DIR (restored afterwards)."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "x")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    names = runpy.run_path(CONF)
    yield names
    names["on_exit"](None)


def test_workers_limits_and_a_fresh_metrics_folder(conf):
    assert conf["workers"] == os.cpu_count() * 2 + 1 and conf["worker_class"] == "sync"
    assert conf["timeout"] == 30 and conf["max_requests"] == 1000 and conf["max_requests_jitter"] > 0
    metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert os.path.isdir(metrics_dir) and os.listdir(metrics_dir) == []
    conf["on_exit"](None)  # gunicorn stops: the run's folder goes
    assert not os.path.exists(metrics_dir)


def test_the_hooks_are_web_metrics_own(conf, monkeypatch):
    from web import metrics

    calls = []
    monkeypatch.setattr(metrics, "child_exit", lambda server, worker: calls.append(("child_exit", worker)))
    monkeypatch.setattr(metrics, "on_starting", lambda server: calls.append(("on_starting", server)))
    conf["on_starting"]("server")
    conf["child_exit"]("server", "worker")
    assert calls == [("on_starting", "server"), ("child_exit", "worker")]


def test_each_worker_reads_the_search_dictionaries_before_its_first_request(conf, monkeypatch):
    from models import search

    calls = []
    monkeypatch.setattr(search, "warm_up", lambda: calls.append("warm_up"))
    conf["post_worker_init"]("worker")
    assert calls == ["warm_up"]


def _unix_request(path, method, url, body=None, headers=None):
    class UnixConnection(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(path)

    connection = UnixConnection("localhost", timeout=10)
    try:
        connection.request(method, url, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Set-Cookie"), answer.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("trusted, refused", [("", False), ("1", True)])
def test_on_gunicorns_socket_x_forwarded_proto_counts_only_with_trusted_proxies(tmp_path, trusted, refused):
    """gunicorn would take https from X-Forwarded-Proto on its unix socket by itself; the config
    leaves it to TRUSTED_PROXIES. What a user notices of https: a form needs a same-site Referer."""
    sock = str(tmp_path / "g.sock")
    # Without PROMETHEUS_MULTIPROC_DIR: the config makes (and removes) the run's own.
    env = {name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "SECRET_KEY": "k" * 32,
            "TRUSTED_PROXIES": trusted,
        }
    )
    flask = [sys.executable, "-m", "flask", "--app", "app", "init-db"]
    subprocess.run(flask, cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    command = [sys.executable, "-m", "gunicorn", "-c", CONF, "--bind", f"unix:{sock}", "--workers", "1"]
    server = subprocess.Popen([*command, "app:create_app()"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(sock):
            assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
            time.sleep(0.1)
        https = {"X-Forwarded-Proto": "https"}
        status, cookie, page = _unix_request(sock, "GET", "/login", headers=https)
        assert status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"email": "x@example.com", "password": "wrong", "csrf_token": token})
        form = {**https, "Cookie": cookie.split(";")[0], "Content-Type": "application/x-www-form-urlencoded"}
        status, _cookie, page = _unix_request(sock, "POST", "/login", body=body, headers=form)
        assert (status == 400) is refused, (status, page[:500])
    finally:
        server.terminate()
        server.wait(timeout=15)
        server.stderr.close()
