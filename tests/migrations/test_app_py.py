"""`python app.py` on the SQLite file the first release left in `instance/` upgrades it by itself."""

import os
import shutil
import signal
import subprocess
import sys
import urllib.request

from tests.migrations.conftest import FIXTURE, load_release1
from tests.shipped.conftest import ROOT, _free_port, _wait_for_port


def test_python_app_py_upgrades_the_first_release_sqlite_file_and_serves_it(tmp_path):
    instance, uploads = tmp_path / "instance", tmp_path / "uploads"
    instance.mkdir()
    load_release1("sqlite", f"sqlite:///{instance / 'flea_market.db'}")
    shutil.copytree(os.path.join(FIXTURE, "uploads"), uploads)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_", "TEST")) and k != "DATABASE_URL"}
    env.update(INSTANCE_PATH=str(instance), UPLOAD_DIR=str(uploads), PORT=str(port), HOST="127.0.0.1", SECRET_KEY="x")
    log_path = tmp_path / "app.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_for_port(port, proc)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/pristroy/", timeout=10) as response:
                page = response.read().decode()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    output = log_path.read_text()
    assert "Applied the migration m0002_outbox_forms_admin_role" in output
    assert "Applied the migration m0001" not in output  # recognised as the first release's
    assert "schema is behind" not in output
    assert "Loaded the demo data." not in output  # the release's data is there: nothing added
    assert "Grey scarf, worn once" in page and "White linen shirt" in page
