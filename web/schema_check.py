"""An app whose database schema is behind its code refuses to serve until `db upgrade`.

The check runs when the app is made (after applying the pending migrations when
`UPGRADE_SCHEMA_AT_START` is set, as `python app.py` does) and, until it passes,
before each request: a database that does not answer at start is checked once it
does. Once the schema is up to date no request pays for the check again.

While the schema is behind, one log line tells the operator what to run and every
page answers 503 with the "temporarily unavailable" page (JSON under `/api/`),
never a 500 from a missing table or column. Static files are served, and
`/healthz` reports the pending migrations itself (`models.migrations.pending`).
Commands of the CLI don't go through here, so `flask --app app db upgrade` works.
"""

import logging

import click
from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _

from models import migrations

from .errors import DATABASE_DOWN

log = logging.getLogger("flea_market")

# Answered even while the schema is behind: the health check says so in its own body.
EXEMPT_PATHS = frozenset({"/healthz"})


class SchemaCheck:
    """Whether this app's database has every migration; remembers a pass and the one log line."""

    def __init__(self, database):
        self.database = database
        self.up_to_date = False
        self.reported = False

    def passes(self):
        """Check (unless it passed before); log the pending migrations the first time it fails.

        Raises what an unreachable database raises.
        """
        if self.up_to_date:
            return True
        missing = migrations.pending(self.database)
        if missing:
            if not self.reported:
                self.reported = True
                log.error(
                    "The database schema is behind: run flask --app app db upgrade (pending: %s)", ", ".join(missing)
                )
            return False
        if self.reported:
            log.info("The database schema is up to date now: serving.")
        self.up_to_date = True
        return True


def _at_start(check, upgrade):
    """Upgrade first if asked (`python app.py`), then check; a database that does not answer
    is left to the first request."""
    database = check.database
    try:
        opened = database.connect(reuse_if_open=True)
        try:
            if upgrade:
                for name in migrations.upgrade(database):
                    log.info("Applied the migration %s", name)
            check.passes()
        finally:
            if opened:
                database.close()
            if hasattr(database, "close_idle"):
                database.close_idle()  # no pooled connection outlives the start (a server may fork next)
    except tuple(DATABASE_DOWN) as exc:
        if upgrade:
            raise
        log.warning("The database does not answer at start (%s): its schema is checked when it does.", exc)


def _exempt():
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static") or request.path in EXEMPT_PATHS


def refuse_while_behind():
    check = current_app.extensions["schema_check"]
    if check.up_to_date or _exempt() or check.passes():
        return None
    # Like the "database unavailable" page: nothing on it needs the database, not even the user.
    g._login_user = current_app.login_manager.anonymous_user()
    code, title = 503, _("Temporarily unavailable")
    message = _("The site is temporarily unavailable. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": code, "message": message}})
    else:
        response = render_template("unavailable.html", code=code, title=title, message=message)
    return response, code, {"Retry-After": "60"}


def init_app(app):
    """Check the schema now and refuse requests while it is behind. Register it right after the
    database's own request hook (it needs the connection) and before any hook that queries."""
    check = SchemaCheck(app.config["DATABASE"])
    app.extensions["schema_check"] = check
    # A command of the CLI (`db upgrade` among them) serves nothing: no start check, so
    # no "run db upgrade" line in front of its output.
    if app.config["UPGRADE_SCHEMA_AT_START"] or click.get_current_context(silent=True) is None:
        _at_start(check, upgrade=app.config["UPGRADE_SCHEMA_AT_START"])
    app.before_request(refuse_while_behind)
