"""`backup DIR` while the app serves and is written to, then `restore DIR` into an empty
database and upload folder: the same rows, the same files, the same pages."""

import io
import json
import os
import re
import secrets
import shutil
import threading
import time

import pytest

from app import create_app
from tests.conftest import image_bytes, listing_form_fields

MEDIA = re.compile(r'/media/([0-9a-f]{32}(?:\.thumb)?\.(?:jpg|png|webp))"')


def put_up(client, line, name):
    page = client.get("/account/orders/completed").get_data(as_text=True)
    fields = listing_form_fields(page, name=name, photo=(io.BytesIO(image_bytes("JPEG")), "photo.jpg"))
    return client.post(f"/account/orders/lines/{line.id}/sell", data=fields, content_type="multipart/form-data")


class Writer(threading.Thread):
    """A seller putting up listings with photos, through the pages, until told to stop."""

    def __init__(self, client, line):
        super().__init__(daemon=True)
        self.client, self.line = client, line
        self.done, self.errors = 0, []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                response = put_up(self.client, self.line, f"Concurrent item {self.done}")
                assert response.status_code == 302, response.status_code
                self.done += 1
            except Exception as exc:  # reported by the test
                self.errors.append(exc)
                return

    def wait_for(self, n, timeout=60):
        deadline = time.monotonic() + timeout
        while self.done < n and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)


def table_rows():
    from models import ALL_MODELS

    return {
        model._meta.table_name: sorted(tuple(map(str, row)) for row in model.select().tuples()) for model in ALL_MODELS
    }


def site(client):
    """What a visitor sees: the showcase's listings and the bytes of every photo on it."""
    page = client.get("/pristroy/").get_data(as_text=True)
    names = re.findall(r"Approved item \d", page)
    photos = {}
    for name in MEDIA.findall(page):
        response = client.get(f"/media/{name}")
        assert response.status_code == 200, name
        photos[name] = response.get_data()
        response.close()
    return names, photos


@pytest.fixture
def restore_target(db_kind, app_config, tmp_path, request):
    """The configuration of an empty database and upload folder to restore into."""
    config = {**app_config, "UPLOAD_DIR": str(tmp_path / "restored-uploads")}
    if db_kind == "sqlite":
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        # Another server (our own): the backup's schema, in an empty database.
        own = request.getfixturevalue("own_postgres")
        database = own.create_database(f"restored_{secrets.token_hex(3)}")
        config["DATABASE_URL"] = f"{database}?options=-c%20search_path%3D{app_config['TEST_PG_SCHEMA']}"
    return config


def test_backup_while_serving_then_restore_gives_the_same_site(
    app, client, db_kind, alice, bob, admin, login_as, make_completed_line, tmp_path, restore_target, monkeypatch
):
    from models import Listing, Photo, lifecycle
    from models.db import close_all

    login_as(alice)
    line = make_completed_line(alice, quantity=2)
    for n in range(2):
        assert put_up(client, line, f"Approved item {n}").status_code == 302
    for listing in Listing.select():
        lifecycle.approve(admin, listing.id)
    seller = app.test_client()
    from tests.conftest import login

    assert login(seller, "bob", "secret123").status_code == 302
    writer = Writer(seller, make_completed_line(bob, quantity=1000))

    import models.backup

    real_copy = shutil.copy2

    def slow_copy(*args, **kwargs):  # a big upload folder: writes land while files are copied
        time.sleep(0.03)
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(models.backup.shutil, "copy2", slow_copy)
    writer.start()
    try:
        writer.wait_for(3)
        before = writer.done
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
        during = writer.done - before
        writer.wait_for(writer.done + 2)
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert not writer.errors, writer.errors
    assert result.exit_code == 0, result.output
    assert during >= 1, "the app was written to while the backup ran"
    assert "Backed up the" in result.output
    monkeypatch.undo()

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"] == ("sqlite" if db_kind == "sqlite" else "postgresql")
    assert manifest["counts"]["listing"] >= 2 + 3 and manifest["files"] >= 2 * manifest["counts"]["photo"]
    original_rows = table_rows()
    original_site = site(app.test_client())
    assert len(original_site[0]) == 2 and len(original_site[1]) == 2
    original_uploads = app.config["UPLOAD_DIR"]
    close_all()

    restored = create_app(restore_target)
    with restored.app_context():  # the CLI runs in the app context it finds pushed
        result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "Restored the backup of" in result.output
    with restored.app_context():
        rows = table_rows()
        photos = list(Photo.select())
    assert {table: len(r) for table, r in rows.items()} == manifest["counts"]
    for table, restored_rows in rows.items():
        # Nothing was deleted meanwhile: the backup is the original as it was, rows unchanged.
        assert set(restored_rows) <= set(original_rows[table]), table
    from models.photos import all_filenames

    for photo in photos:
        # Every file of a photo, its WebP copies too.
        for name in all_filenames(photo.stem, photo.ext):
            restored_file = os.path.join(restore_target["UPLOAD_DIR"], name)
            assert os.path.exists(restored_file), f"photo {photo.id}: {name} is missing"
            with open(restored_file, "rb") as a, open(os.path.join(original_uploads, name), "rb") as b:
                assert a.read() == b.read()
    assert site(restored.test_client()) == original_site

    # Restoring again over what is now there is refused, and changes nothing.
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert result.exit_code == 1
        assert "is not empty: restore only into an empty" in result.output
        assert {table: len(r) for table, r in table_rows().items()} == manifest["counts"]
    close_all()


def test_restore_refuses_a_folder_that_is_not_a_backup(app, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("hello")
    result = runner.invoke(args=["restore", str(tmp_path / "junk")])
    assert result.exit_code == 1
    assert "is not a backup: no readable manifest.json in it." in result.output
    (tmp_path / "junk" / "manifest.json").write_text('{"format": "something else"}')
    result = runner.invoke(args=["restore", str(tmp_path / "junk")])
    assert result.exit_code == 1 and "is not a backup of this app" in result.output


def test_backup_refuses_a_folder_that_is_not_empty(app, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code == 1
    assert "is not an empty folder" in result.output
    assert os.listdir(tmp_path / "full") == ["keep.txt"]


def test_restore_refuses_a_non_empty_upload_folder_and_the_wrong_database_kind(app, db_kind, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    with open(os.path.join(app.config["UPLOAD_DIR"], "stray.jpg"), "wb") as fh:
        fh.write(b"x")
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 1 and "upload folder" in result.output and "is not empty" in result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    manifest["database"] = "postgresql" if db_kind == "sqlite" else "sqlite"
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 1 and "This is a backup of a" in result.output


def test_a_backup_of_an_unreachable_database_fails_with_a_clear_message(sqlite_config, tmp_path):
    from tests.ops.conftest import PORT_BASE

    nowhere = f"postgresql://postgres@127.0.0.1:{PORT_BASE + 19}/nothing"  # nothing listens there
    app = create_app({**sqlite_config, "DATABASE_URL": nowhere})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "Backup failed:" in result.output and "has no manifest, so it is not a backup" in result.output
    assert "Traceback" not in result.output
