"""docs/webhooks.md: its verification snippets accept a real event and refuse a tampered one."""

import os
import re
import shutil
import subprocess

import pytest

from .conftest import SECRET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def doc_blocks(language):
    with open(os.path.join(ROOT, "docs", "webhooks.md"), encoding="utf-8") as fh:
        return re.findall(rf"```{language}\n(.*?)```", fh.read(), re.S)


@pytest.fixture
def received(app, alice, make_listing, receiver, run_jobs):
    """One real event as the store received it: (raw body, X-Flea-Signature)."""
    receiver.start()
    make_listing(alice, name="Шарф, синий")  # not only ASCII: the signature is over UTF-8 bytes
    assert run_jobs().exit_code == 0
    (request,) = receiver.requests
    return request["raw"], request["headers"]["X-Flea-Signature"]


def test_the_python_snippet_verifies(received):
    (snippet,) = doc_blocks("python")
    assert len(snippet.strip().splitlines()) <= 10
    namespace = {}
    exec(snippet, namespace)
    body, header = received
    assert namespace["verify"](body, header, SECRET)
    assert not namespace["verify"](body.replace(b"moderation", b"approved"), header, SECRET)
    assert not namespace["verify"](body, header, "another secret")
    assert not namespace["verify"](body, None, SECRET)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_openssl_line_prints_the_header(received, tmp_path):
    (line,) = doc_blocks("sh")
    body, header = received
    (tmp_path / "body.json").write_bytes(body)
    out = subprocess.run(
        ["sh", "-c", line], cwd=tmp_path, env={**os.environ, "WEBHOOK_SECRET": SECRET}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == header
