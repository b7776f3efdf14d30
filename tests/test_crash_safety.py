"""A worker killed in the middle of a put-up: no row without its files, and the files it
left are found and removed by `flask check --fix`."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from models import Listing, Photo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in a separate process: put a line up for sale with a photo and die at `stage`.
WORKER = textwrap.dedent(
    """
    import json, os, signal, sys
    sys.path.insert(0, {root!r})
    from app import create_app
    from models import User, lifecycle, photos
    from models.listing_input import ListingData
    from tests.conftest import image_bytes

    config, line_id, user_id, stage = json.loads(sys.argv[1])
    app = create_app(config)

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if stage == "mid-transaction":
        lifecycle._record = die  # after the photo and listing rows are inserted, before commit
    elif stage == "mid-file":
        real_replace = os.replace
        photos.os.replace = lambda src, dst: die() if dst.endswith(".jpg") else real_replace(src, dst)
    with app.app_context():
        user = User.get_by_id(user_id)
        photo = photos.process_image(image_bytes("JPEG"), "a.jpg")
        data = ListingData(name="Coat", description="Call me", price="100", quantity=1)
        lifecycle.put_up_for_sale(user, line_id, data, photo=photo)
    print("survived")
    """
)


@pytest.mark.parametrize("stage", ["mid-transaction", "mid-file"])
def test_killed_worker_leaves_no_row_without_files(app, app_config, make_user, make_completed_line, stage):
    seller = make_user(username="seller")
    line = make_completed_line(seller)
    config = {k: v for k, v in app_config.items() if isinstance(v, str | bool | int | type(None))}
    args = json.dumps([config, line.id, seller.id, stage])
    result = subprocess.run(
        [sys.executable, "-c", WORKER.format(root=ROOT), args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    # Nothing was committed: no listing, no photo row.
    assert Listing.select().count() == 0 and Photo.select().count() == 0
    upload_dir = app.config["UPLOAD_DIR"]
    left = sorted(os.listdir(upload_dir))
    assert left, "the worker died after writing files: they are what check must find"
    # Old enough to be sure no upload is still committing them.
    old = time.time() - 3600
    for name in left:
        os.utime(os.path.join(upload_dir, name), (old, old))
    runner = app.test_cli_runner()
    report = runner.invoke(args=["check"])
    assert report.exit_code == 1 and f"Orphan files: {len(left)}" in report.output
    assert runner.invoke(args=["check", "--fix"]).exit_code == 0
    assert os.listdir(upload_dir) == []
    assert runner.invoke(args=["check"]).exit_code == 0
