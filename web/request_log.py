"""One log line per request, and the request id a user can quote from an error page.

Each request gets an id: the incoming `X-Request-ID` when it looks like one (a
proxy in front may set it, so both logs share it), else a new random one. It is
echoed in the `X-Request-ID` response header, shown on the error pages
("Reference: ...") and written in the request's log line:

    3f9c0a1be2d44c07 GET /pristroy/ 200 12.4ms user=7

or, with `LOG_FORMAT=json`, one JSON object a line. The line holds only the
method, the path (never the query string; a token in the path, as in a password
reset link, is masked), the status, the duration and the user's id: no form
field, header, cookie or session ever goes into it.
"""

import json
import logging
import re
import secrets
import sys
import time

from flask import g, request, request_finished, request_started

log = logging.getLogger("flea_market.requests")

SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Path variables that are credentials: Flask-Security's /reset/<token>, /confirm/<token>, ...
SECRET_ARG = re.compile(r"token|secret|key|password|code", re.IGNORECASE)
MASK = "***"


def request_id():
    """This request's id ('' outside a request)."""
    return g.get("request_id", "")


def logged_path():
    """The path without the query string, with credential-like path variables masked."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if SECRET_ARG.search(name) and isinstance(value, str) and value:
            path = path.replace(value, MASK)
    return path


def user_id():
    """The id of the user this request already loaded, else '-' (never loads one)."""
    user = g.get("_login_user")  # Flask-Login's cache of the current user
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id
    return None


def elapsed_seconds():
    started = g.get("request_started_at")
    return time.perf_counter() - started if started is not None else 0.0


class LineFormatter(logging.Formatter):
    """A request's record as a plain line or, if the app asked for it, a JSON object."""

    def format(self, record):
        fields = getattr(record, "request", None)
        if fields is None:
            return super().format(record)
        if getattr(record, "log_format", "plain") == "json":
            when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            return json.dumps({"time": f"{when}.{int(record.msecs):03d}Z", "level": record.levelname, **fields})
        user = fields["user_id"] if fields["user_id"] is not None else "-"
        return (
            f"{self.formatTime(record)} {fields['request_id']} {fields['method']} {fields['path']} "
            f"{fields['status']} {fields['duration_ms']}ms user={user}"
        )


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (gunicorn and pytest replace it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _install_handler():
    # Request lines are INFO: they must come out under gunicorn too, which configures
    # only its own loggers. One handler per process, however many apps are built.
    if not any(isinstance(h, StderrHandler) for h in log.handlers):
        handler = StderrHandler()
        handler.setFormatter(LineFormatter())
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class RequestIdFilter(logging.Filter):
    """Adds the request id to the app's error records (the traceback of a 500)."""

    def filter(self, record):
        from flask import has_request_context

        if has_request_context() and g.get("request_id") and not getattr(record, "request_id", None):
            record.request_id = g.request_id
            record.msg = f"{record.msg} [request {g.request_id}]"
        return True


def _started(app, **extra):
    g.request_started_at = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SANE_ID.match(incoming) else secrets.token_hex(8)


def _finished(app, response, **extra):
    response.headers["X-Request-ID"] = request_id()
    fields = {
        "request_id": request_id(),
        "method": request.method,
        "path": logged_path(),
        "status": response.status_code,
        "duration_ms": round(elapsed_seconds() * 1000, 1),
        "user_id": user_id(),
    }
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    log.log(level, "request", extra={"request": fields, "log_format": app.config["LOG_FORMAT"]})


def init_app(app):
    _install_handler()
    request_started.connect(_started, app, weak=False)
    request_finished.connect(_finished, app, weak=False)
    if not any(isinstance(f, RequestIdFilter) for f in app.logger.filters):  # one logger for every app
        app.logger.addFilter(RequestIdFilter())
    app.jinja_env.globals["request_id"] = request_id
