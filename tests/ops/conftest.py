"""Servers of the operations tests' own: a PostgreSQL and a Redis that a test may stop.

The shared services are never stopped; these run on ports of this suite
(`OPS_PORT_BASE`, default 25410, and the next few) in temporary folders.
The default is below Linux's ephemeral range (32768-60999): a port in that
range may be the local end of any outgoing connection, so a server can fail to
bind it, and a connect to it with nothing listening can reach itself (TCP
self-connect) and pass for a server that came up.
"""

import glob
import io
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

PORT_BASE = int(os.environ.get("OPS_PORT_BASE", "25410"))
OWN_POSTGRES_PORT = PORT_BASE + 1
OWN_REDIS_PORT = PORT_BASE + 2
SERVED_APP_PORT = PORT_BASE + 3


def wait_for_port(port, timeout=30, up=True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not go {'up' if up else 'down'} in {timeout} s")


def _pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class OwnPostgres:
    """A throwaway PostgreSQL cluster (trust auth, loopback only) that tests stop and start."""

    def __init__(self, port):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="flea-ops-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_user = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run(_pg_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, *args):
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def url(self, database="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", os.path.join(self.dir, "log"), "-w", "start")
        wait_for_port(self.port)

    def stop(self):
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")
        wait_for_port(self.port, up=False)

    def create_database(self, name):
        import psycopg2

        conn = psycopg2.connect(self.url(), connect_timeout=5)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self.url(name)

    def destroy(self):
        try:
            self.stop()
        except (subprocess.CalledProcessError, RuntimeError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def own_postgres():
    if not _pg_bin("initdb") or not _pg_bin("pg_ctl"):
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    server = OwnPostgres(OWN_POSTGRES_PORT)
    server.start()
    yield server
    server.destroy()


class OwnRedis:
    def __init__(self, port):
        self.port = port
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        if self.proc.poll() is not None:
            raise RuntimeError(f"redis-server on port {self.port} exited with {self.proc.returncode}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        wait_for_port(self.port, up=False)


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        pytest.skip("no redis-server on this machine")
    server = OwnRedis(OWN_REDIS_PORT)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def request_log():
    """What the request logger writes, as text (the app's own handler writes to stderr)."""
    from web.request_log import LineFormatter, log

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(LineFormatter())
    log.addHandler(handler)
    yield buffer
    log.removeHandler(handler)


@pytest.fixture
def sqlite_config(tmp_path):
    """An app on an SQLite file of its own, for tests about one database kind only."""
    return {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ops.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SECRET_KEY": secrets.token_hex(16),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PUBLIC_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
        "TEST_PG_SCHEMA": None,
    }
