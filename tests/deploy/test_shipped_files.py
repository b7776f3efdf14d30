"""deploy/'s files agree with the app and with each other (no nginx needed)."""

import os
import re

from web import config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")


def read(*parts):
    with open(os.path.join(DEPLOY, *parts), encoding="utf-8") as fh:
        return fh.read()


def env_example():
    pairs = re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", read("flea-market.env.example"), re.M)
    return dict(pairs)


def nginx_directive(name):
    return re.findall(rf"^\s*{name}\s+([^;]+);", read("nginx", "flea-market.conf"), re.M)


def test_nginx_takes_uploads_as_large_as_the_app_does():
    (size,) = nginx_directive("client_max_body_size")
    assert size.endswith("m") and int(size[:-1]) * 1024 * 1024 == config.BY_NAME["MAX_CONTENT_LENGTH"].default


def test_the_env_file_sets_only_settings_the_app_reads_from_the_environment():
    env = env_example()
    readable = {s.name for s in config.SETTINGS if s.env}
    assert sorted(set(env) - readable) == []
    assert env["TRUSTED_PROXIES"] == "1"
    # The app's X-Accel prefix is nginx's internal location.
    assert f"location {env['PHOTOS_ACCEL_PREFIX']}/ {{\n        internal;" in read("nginx", "flea-market.conf")
    assert env["UPLOAD_DIR"] + "/" in nginx_directive("alias")


def test_nginx_waits_for_the_app_longer_than_gunicorn_lets_a_request_run():
    timeout = int(re.search(r"^timeout = (\d+)$", read("gunicorn.conf.py"), re.M).group(1))
    (read_timeout,) = nginx_directive("proxy_read_timeout")
    assert int(read_timeout.rstrip("s")) > timeout


def test_the_units_run_the_shipped_config_with_the_env_file():
    for unit in ("flea-market-web.service", "flea-market-worker.service", "flea-market-jobs.service"):
        text = read("systemd", unit)
        assert "EnvironmentFile=/etc/flea-market/env" in text and "User=flea-market" in text
    assert "gunicorn -c deploy/gunicorn.conf.py" in read("systemd", "flea-market-web.service")
    assert 'bind = os.environ.get("GUNICORN_BIND", "unix:/run/flea-market/gunicorn.sock")' in read("gunicorn.conf.py")
    assert "server unix:/run/flea-market/gunicorn.sock" in read("nginx", "flea-market.conf")
    assert "RuntimeDirectory=flea-market" in read("systemd", "flea-market-web.service")
    assert "OnCalendar=" in read("systemd", "flea-market-jobs.timer")
