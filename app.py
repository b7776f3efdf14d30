"""Flea Market ("Pristroy"): the application factory and the development server.

`create_app()` assembles the app from its parts: configuration, the database,
the extensions, the customer and public pages (`public/`), the admin
(`admin_views/`) and the command-line commands (`models/cli.py`).
"""

import logging
import os
import secrets

from flask import Flask

log = logging.getLogger("flea_market")

HERE = os.path.dirname(os.path.abspath(__file__))


def _instance_secret(instance_path):
    """The signing key kept in instance/, created once and atomically.

    Several workers starting together must agree on one key: each writes its own
    candidate to a temporary file and hard-links it into place; `link` fails if
    the file exists, so exactly one candidate wins and everybody reads that one.
    """
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        with open(tmp, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
            log.warning("SECRET_KEY is not set: generated one in %s. Set SECRET_KEY in production.", path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path) as fh:
        return fh.read().strip()


def _env_config(app):
    env = os.environ
    cfg = {}
    cfg["DATABASE_URL"] = env.get("DATABASE_URL") or "sqlite:///" + os.path.join(app.instance_path, "flea_market.db")
    cfg["UPLOAD_DIR"] = env.get("UPLOAD_DIR") or os.path.join(HERE, "uploads")
    if env.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = env["SECRET_KEY"]
    for key in (
        "PUBLIC_URL",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "REDIS_URL",
        "CURRENCY",
    ):
        if env.get(key):
            cfg[key] = env[key]
    if env.get("MAIL_PORT"):
        cfg["MAIL_PORT"] = int(env["MAIL_PORT"])
    if env.get("MAIL_TIMEOUT"):
        cfg["MAIL_TIMEOUT"] = int(env["MAIL_TIMEOUT"])
    if env.get("COOKIE_SECURE"):
        cfg["COOKIE_SECURE"] = env["COOKIE_SECURE"].lower() in ("1", "true", "yes", "on")
    if env.get("MAIL_USE_TLS"):
        cfg["MAIL_USE_TLS"] = env["MAIL_USE_TLS"].lower() in ("1", "true", "yes", "on")
    return cfg


DEFAULTS = {
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,  # a 10 MB photo plus the form around it
    "MAIL_DEFAULT_SENDER": "Flea Market <no-reply@example.com>",
    "MAIL_TIMEOUT": 10,  # seconds a mail server may take to answer the background sender
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": ["en", "ru"],  # the switcher's choices; each but English has a catalog in public/translations/
    "BABEL_TRANSLATION_DIRECTORIES": os.path.join(HERE, "public", "translations"),
    "CURRENCY": "RUB",  # ISO 4217 code of the store's prices, formatted for each language by Babel
    "PUBLIC_URL": "http://127.0.0.1:5000",  # the site's address in mails
    "SHOWCASE_PAGE_SIZE": 24,
    "HOME_COLLECTION_SIZE": 8,
    "WTF_CSRF_TIME_LIMIT": None,  # a token lives as long as the session
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    # Flask-Security-Too
    "SECURITY_PASSWORD_HASH": "argon2",
    "SECURITY_PASSWORD_SINGLE_HASH": True,
    "SECURITY_REGISTERABLE": True,
    "SECURITY_SEND_REGISTER_EMAIL": True,
    "SECURITY_CHANGEABLE": True,
    "SECURITY_USERNAME_ENABLE": True,
    "SECURITY_USERNAME_REQUIRED": True,
    "SECURITY_USERNAME_MIN_LENGTH": 3,
    "SECURITY_USERNAME_MAX_LENGTH": 32,
    "SECURITY_EMAIL_VALIDATOR_ARGS": {"check_deliverability": False},
    "SECURITY_POST_LOGIN_VIEW": "/",
    "SECURITY_POST_REGISTER_VIEW": "/",
    "SECURITY_POST_LOGOUT_VIEW": "/",
    "SECURITY_LOGOUT_METHODS": ["POST"],
    "SECURITY_EMAIL_SENDER": "Flea Market <no-reply@example.com>",
    "SECURITY_FLASH_MESSAGES": True,
    # Its own catalogs, then ours (public/translations/*/flask_security.po) for a few better words.
    "SECURITY_I18N_DIRNAME": ["builtin", os.path.join(HERE, "public", "translations")],
    "RATELIMIT_HEADERS_ENABLED": False,
}


def create_app(config=None):
    """Build the application. `config` overrides the environment (tests use it)."""
    # Explicit, so `python app.py` (module __main__) and `flask --app app` agree on it.
    instance_path = (
        (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH") or os.path.join(HERE, "instance")
    )
    app = Flask(__name__, instance_path=instance_path, static_folder="static", template_folder="templates")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config.update(_env_config(app))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    # Only salts Flask-Security's tokens (confirm, reset): passwords are plain argon2
    # (SECURITY_PASSWORD_SINGLE_HASH), so rotating SECRET_KEY never locks anyone out.
    app.config.setdefault("SECURITY_PASSWORD_SALT", "salt:" + app.config["SECRET_KEY"][:32])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)

    from models.db import db, open_database

    app.config["DATABASE"] = open_database(app.config["DATABASE_URL"])
    # No route is excluded from FlaskDB's connect/close: even a static file request
    # loads the user (Flask-Principal's identity), and a connection opened outside
    # FlaskDB's hooks would never go back to the pool.
    db.init_app(app)

    import admin_views
    import public
    from models import cli

    public.init_app(app)
    admin_views.init_app(app)
    cli.init_app(app)
    return app


def main():
    """`python app.py`: create the SQLite schema, load the demo data if empty, serve."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app()
    from models import create_tables, db
    from models.demo import DEMO_ACCOUNTS, load_demo_data, needs_demo_data

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        create_tables()
        if needs_demo_data():
            load_demo_data()
            print("Loaded the demo data.")
        db.database.close()
    from models.jobs import start_in_process_worker

    # Mail leaves in a background thread of this process; production runs `send-mail --watch`.
    start_in_process_worker(app)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"\nFlea Market on http://{host}:{port}/  (admin: http://{host}:{port}/admin/)")
    print("Demo logins:")
    for account in DEMO_ACCOUNTS:
        print(f"  {account['username']:<6} {account['email']:<20} password {account['password']:<11} {account['note']}")
    app.run(host=host, port=port, debug=False)


if __name__ == "__main__":
    main()
