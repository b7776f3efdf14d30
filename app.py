"""Flea Market ("Pristroy"): the application factory and the development server.

`create_app()` assembles the app from its parts: configuration (`web/config.py`),
the database, the shared web layer (`web/`), the customer and public pages
(`public/`), the admin (`admin_views/`) and the command-line commands
(`models/cli.py`).
"""

import logging
import os

from flask import Flask

import web
import web.config


def create_app(config=None):
    """Build the application. `config` overrides the environment (tests use it)."""
    settings = web.config.load(config)
    # Explicit, so `python app.py` (module __main__) and `flask --app app` agree on it.
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], static_folder="static", template_folder="templates")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)

    from models.db import db, open_database

    app.config["DATABASE"] = open_database(
        app.config["DATABASE_URL"],
        connect_timeout=app.config["DATABASE_CONNECT_TIMEOUT"],
        statement_timeout=app.config["DATABASE_STATEMENT_TIMEOUT"],
    )
    # Static endpoints open no connection (AppDB.connect_db); anything a query opens
    # outside the hooks still goes back to the pool at teardown (AppDB.close_db).
    db.init_app(app)

    import admin_views
    import public
    from models import cli
    from web import schema_check

    schema_check.init_app(app)  # right after the database's hook: before any hook that queries
    web.init_app(app)
    public.init_app(app)
    admin_views.init_app(app)
    web.static_files.init_admin(app)
    cli.init_app(app)
    from web import cache

    cache.init_app(app)  # last: its answer hook then runs first on the view's answer (its lookup runs early)
    trusted = app.config["TRUSTED_PROXIES"]
    if trusted > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only the last `trusted` hops were written by our own proxies; anything before them
        # came from the client. Unwrapped, X-Forwarded-* are ignored: nobody can pick an address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    return app


def main():
    """`python app.py`: create or upgrade the SQLite schema, load the demo data if empty, serve."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from models import db
    from models.demo import DEMO_ACCOUNTS, load_demo_data, needs_demo_data
    from models.migrations import MigrationError

    try:
        app = create_app({"DEVELOPMENT": True, "UPGRADE_SCHEMA_AT_START": True})
    except MigrationError as exc:
        raise SystemExit(f"The database could not be upgraded: {exc}") from exc
    except ValueError as exc:  # a setting that cannot be used, e.g. an unknown TIMEZONE
        raise SystemExit(f"Configuration error: {exc}") from exc
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        if needs_demo_data():
            load_demo_data()
            print("Loaded the demo data.")
        db.database.close()
    from models.jobs import start_in_process_worker

    # Mail leaves in a background thread of this process; production runs `send-mail --watch`.
    start_in_process_worker(app)
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"\nFlea Market on http://{host}:{port}/  (admin: http://{host}:{port}/admin/)")
    print("Demo logins:")
    for account in DEMO_ACCOUNTS:
        print(f"  {account['username']:<6} {account['email']:<20} password {account['password']:<11} {account['note']}")
    app.run(host=host, port=port, debug=False)


if __name__ == "__main__":
    main()
