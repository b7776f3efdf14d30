"""Lint and format are part of the test run: a style slip fails the suite like a bug."""

import shutil
import subprocess
import sys

import pytest

ROOT = __file__.rsplit("/tests/", 1)[0]


def _ruff(*args):
    ruff = shutil.which("ruff") or f"{sys.prefix}/bin/ruff"
    return subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("args", [("check", "."), ("format", "--check", ".")], ids=["lint", "format"])
def test_ruff(args):
    result = _ruff(*args)
    assert result.returncode == 0, result.stdout + result.stderr
