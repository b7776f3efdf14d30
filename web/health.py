"""`GET /healthz`: is this worker able to serve? For load balancers and monitors.

200 `{"status": "ok", ...}` when every check passes, else 503 with the same body
saying which one failed. The answer is built before any other request hook runs:
no session is read or written, no user is loaded, no rate limit or CSRF check
applies, and nothing is written to the database. Each check is bounded by
`HEALTH_CHECK_TIMEOUT`, so a monitor gets an answer in seconds even when a
service hangs.
"""

import logging
import os

from flask import current_app, jsonify, request

log = logging.getLogger("flea_market")

ENDPOINT = "healthz"


def check_database(database, timeout):
    """`SELECT 1`, its time bounded on PostgreSQL (the connection by DATABASE_CONNECT_TIMEOUT)."""
    from models.db import is_postgres

    try:
        with database.connection_context():
            with database.atomic():
                if is_postgres():
                    # Not a write: it only bounds this transaction's statements.
                    database.execute_sql(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
                database.execute_sql("SELECT 1").fetchone()
        return None
    except Exception as exc:  # the driver's errors, whatever the database
        log.warning("Health check: database unreachable: %s", exc)
        return "unreachable"


def check_redis(url, timeout):
    import redis

    clients = current_app.extensions.setdefault("health_redis", {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
        return None
    except Exception as exc:  # redis-py's errors
        log.warning("Health check: Redis unreachable: %s", exc)
        return "unreachable"


def check_uploads(folder):
    if not os.path.isdir(folder):
        log.warning("Health check: the upload folder %s does not exist", folder)
        return "missing"
    if not os.access(folder, os.W_OK | os.X_OK):
        log.warning("Health check: the upload folder %s is not writable", folder)
        return "not writable"
    return None


def check_schema(database):
    import models.migrations

    try:
        behind = models.migrations.pending(database)
    except Exception as exc:  # the migrations table unreadable: the database check says why
        log.warning("Health check: could not read the applied migrations: %s", exc)
        return "unknown"
    if behind:
        log.warning("Health check: %d migrations pending: run flask --app app db upgrade", len(behind))
        return f"{len(behind)} migrations pending"
    return None


def health():
    """The checks, the outbox backlog and the status code."""
    from models.backlog import outbox_backlog
    from models.db import database

    config = current_app.config
    timeout = config["HEALTH_CHECK_TIMEOUT"]
    real = database()
    problems = {"database": check_database(real, timeout)}
    if config["REDIS_URL"]:
        problems["redis"] = check_redis(config["REDIS_URL"], timeout)
    problems["uploads"] = check_uploads(config["UPLOAD_DIR"])
    outbox = None
    if problems["database"]:
        problems["schema"] = "unknown"
    else:
        problems["schema"] = "unknown"
        try:
            with real.connection_context():
                problems["schema"] = check_schema(real)
                outbox = outbox_backlog()
        except Exception as exc:  # e.g. no outbox table yet on a schema that is behind
            log.warning("Health check: could not count the outbox: %s", exc)
    ok = not any(problems.values())
    body = {
        "status": "ok" if ok else "error",
        "checks": {name: problem or "ok" for name, problem in problems.items()},
        "outbox": outbox,
    }
    return body, 200 if ok else 503


def answer_health_check():
    """Before every other hook: answer `/healthz` here, so none of them runs for it."""
    if request.endpoint != ENDPOINT:
        return None
    body, status = health()
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _unreachable_view():
    # Routing needs a view; `answer_health_check` always answers first.
    raise RuntimeError("/healthz is answered by answer_health_check")


def init_app(app):
    app.add_url_rule("/healthz", ENDPOINT, _unreachable_view, methods=["GET"])
    # First of all before-request hooks (the database connection, the user's identity,
    # the login limit, CSRF): returning a response here skips the rest.
    app.before_request_funcs.setdefault(None, []).insert(0, answer_health_check)
