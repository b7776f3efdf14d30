"""`PUBLIC_URL` follows `HOST`/`PORT` when unset; production (anything but `python app.py`)
warns at start when PUBLIC_URL is unset or mail goes to files."""

import logging
import secrets

import pytest

from web import config


def test_public_url_follows_host_and_port_when_unset(tmp_path):
    base = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40}
    assert config.load(environ=base)["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert config.load(environ={**base, "HOST": "shop.local", "PORT": "8080"})["PUBLIC_URL"] == "http://shop.local:8080"
    assert config.load(environ={**base, "HOST": "0.0.0.0", "PORT": "8000"})["PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert config.load(environ={**base, "HOST": "::1"})["PUBLIC_URL"] == "http://[::1]:5000"
    given = config.load(environ={**base, "HOST": "shop.local", "PUBLIC_URL": "https://shop.example"})
    assert given["PUBLIC_URL"] == "https://shop.example"


@pytest.fixture
def production_config(tmp_path):
    """What gunicorn's `create_app()` gets: no TESTING, no DEVELOPMENT."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": secrets.token_hex(16),
    }


def _warnings_at_start(caplog, overrides, environ=None, monkeypatch=None):
    from app import create_app

    for name in ("PUBLIC_URL", "MAIL_SERVER", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (environ or {}).items():
        monkeypatch.setenv(name, value)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="flea_market"):
        create_app(overrides)
    # The fresh database's own line (schema behind: run db upgrade) is another check's.
    messages = [r.getMessage() for r in caplog.records if r.name == "flea_market"]
    return [m for m in messages if not m.startswith("The database schema is behind")]


def test_production_without_public_url_or_mail_server_warns_at_start(production_config, caplog, monkeypatch):
    found = _warnings_at_start(caplog, production_config, {"PORT": "8000"}, monkeypatch)
    assert any(
        m.startswith("PUBLIC_URL is not set: links in mails and feeds point to http://127.0.0.1:8000") for m in found
    )
    assert any(m.startswith("MAIL_SERVER is not set: mail is written as .eml files") for m in found)


def test_production_with_both_set_is_quiet(production_config, caplog, monkeypatch):
    environ = {"PUBLIC_URL": "https://shop.example", "MAIL_SERVER": "smtp.example"}
    assert _warnings_at_start(caplog, production_config, environ, monkeypatch) == []


@pytest.mark.parametrize("switch", [{"DEVELOPMENT": True}, {"TESTING": True}, {"DEBUG": True}])
def test_development_is_quiet(production_config, caplog, monkeypatch, switch):
    assert _warnings_at_start(caplog, {**production_config, **switch}, {}, monkeypatch) == []


def test_python_app_py_is_development(monkeypatch):
    import app

    seen = {}

    def fake_create_app(config=None):
        seen["config"] = config
        raise SystemExit(0)

    monkeypatch.setattr(app, "create_app", fake_create_app)
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: None)
    with pytest.raises(SystemExit):
        app.main()
    assert seen["config"]["DEVELOPMENT"] is True
