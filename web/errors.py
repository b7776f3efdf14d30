"""Error pages, and the one place where a domain refusal becomes an HTTP answer.

Views let a `models.errors.DomainError` they don't show on a form propagate;
`init_app` turns its kind into 404, 403 or 422, as an error page or, under
`/api/`, as JSON.
"""

import logging
from urllib.parse import quote

import peewee
from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import NotFound

from models.errors import DomainError

log = logging.getLogger("flea_market")

# What a database that is down, unreachable or too slow raises: peewee wraps the
# driver's errors, but a few (a pool's connect) may come through as the driver's own.
DATABASE_DOWN = [peewee.OperationalError, peewee.InterfaceError]
try:
    import psycopg2

    DATABASE_DOWN += [psycopg2.OperationalError, psycopg2.InterfaceError]
except ImportError:  # SQLite-only installs
    pass


# The `code` word of an API error body, by HTTP status.
API_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def is_api_request():
    return request.path.startswith("/api/")


def api_error(status, message, fields=None, headers=None):
    """The one shape of every API error: `{"error": {"code", "message", "fields"}}`."""
    body = {"error": {"code": API_ERROR_CODES.get(status, "error"), "message": str(message), "fields": fields or {}}}
    return jsonify(body), status, headers or {}


def error_page(code, title, message):
    """The error template with the status code it names (under /api/, the API's JSON error)."""
    if is_api_request():
        return api_error(code, message)
    return render_template("error.html", code=code, title=title, message=message), code


def _domain_title(code):
    return {404: _("Page not found"), 403: _("Not allowed")}.get(code) or _("This could not be done")


def domain_error(exc):
    """A rule's refusal: the page for its status code, or `{"error": {...}}` under /api/."""
    code = exc.status_code
    if is_api_request():
        return api_error(code, exc.message, {exc.field: exc.message} if exc.field else None)
    return error_page(code, _domain_title(code), exc.message)


# The forms with a photo, and the page each one is on (the form's modal opened by its anchor).
_FORM_PAGES = {
    "account.put_up": lambda args: url_for("account.completed", _anchor=f"sell-{args['line_id']}"),
    "account.edit": lambda args: url_for("account.my_items", _anchor=f"edit-{args['listing_id']}"),
}


def _form_page(req):
    page = _FORM_PAGES.get(req.endpoint)
    if page is None or req.method != "POST":
        return None
    return page(req.view_args or {})


def database_unavailable(exc):
    """503 "temporarily unavailable", rendered without a single query.

    The user is not loaded (it would need the database): for the rest of this
    request the visitor is anonymous, so the language, the templates' context and
    the headers need nothing from the database. The session is left as it is.
    """
    log.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
    g._login_user = current_app.login_manager.anonymous_user()
    code, title = 503, _("Temporarily unavailable")
    message = _("The site is temporarily unavailable. Please try again in a minute.")
    if is_api_request():
        return api_error(code, message, headers={"Retry-After": "60"})
    response = render_template("unavailable.html", code=code, title=title, message=message)
    return response, code, {"Retry-After": "60"}


# An anonymous visitor's 404 is one page for every missing address but for two values:
# the request id it quotes and the address its language links come back to. It is
# rendered once per language with these markers in their place, then filled in.
_MARK_ID = "0flea0request0id0"
_MARK_NEXT = "/0flea0next0"


def _not_found_text():
    return _("Page not found"), _("There is nothing here. It may have been removed.")


def anonymous_not_found():
    """Before any other hook: a missing page for a visitor without a session, from its copy.

    Without this, a 404 paid for the identity load, the rate limiter and a full render of
    the layout (7 times Flask's hello world); now it costs what a cached page does."""
    from . import cache, i18n
    from .request_log import request_id

    if (
        type(request.routing_exception) is not NotFound
        or request.method not in ("GET", "HEAD")
        or is_api_request()
        or not current_app.config["PAGE_CACHE"]
        or cache.has_session()
    ):
        return None
    pages = current_app.extensions.setdefault("not_found_pages", {})
    language = i18n.anonymous_language()
    page = pages.get(language)
    if page is None:
        real_id = g.get("request_id", "")
        g.request_id = _MARK_ID
        try:
            title, message = _not_found_text()
            page = pages[language] = render_template(
                "error.html", code=404, title=title, message=message, language_next=_MARK_NEXT
            )
        finally:
            g.request_id = real_id
    here = request.full_path if request.query_string else request.path
    # As url_for writes a query value (werkzeug keeps these characters as they are).
    body = page.replace(_MARK_NEXT, str(escape(quote(here, safe="!$'()*,/:;?@")))).replace(
        _MARK_ID, str(escape(request_id()))
    )
    return current_app.response_class(body, 404, mimetype="text/html")


def init_app(app):
    from . import schema_check

    hooks = app.before_request_funcs.setdefault(None, [])
    after = schema_check.refuse_while_behind
    hooks.insert(hooks.index(after) + 1 if after in hooks else len(hooks), anonymous_not_found)
    app.register_error_handler(DomainError, domain_error)
    for exc_class in DATABASE_DOWN:
        app.register_error_handler(exc_class, database_unavailable)

    @app.errorhandler(400)
    def _bad_request(e):
        return error_page(
            400, _("Bad request"), _("The form could not be read. Go back, reload the page and try again.")
        )

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return error_page(
            400,
            _("The form has expired"),
            _("The page was open too long or came from elsewhere. Reload it and try again."),
        )

    @app.errorhandler(403)
    def _forbidden(e):
        return error_page(403, _("Not allowed"), _("This belongs to someone else."))

    @app.errorhandler(404)
    def _not_found(e):
        return error_page(404, *_not_found_text())

    @app.errorhandler(405)
    def _method(e):
        return error_page(405, _("Not allowed"), _("This address does not accept that kind of request."))

    @app.errorhandler(413)
    def _too_large(e):
        back = _form_page(request)
        if back:
            # Back to the form rather than a dead end. The body was never read, so
            # nothing typed can be put back: say so.
            flash(
                _(
                    "The photo is larger than 10 MB, so the form could not be sent and what you typed "
                    "was not saved. Choose a smaller photo and fill in the form again."
                ),
                "danger",
            )
            return redirect(back, 303)
        return error_page(413, _("The upload is too large"), _("Photos can be up to 10 MB. Choose a smaller file."))

    @app.errorhandler(429)
    def _too_many(e):
        return error_page(429, _("Too many attempts"), _("Please wait a few minutes and try again."))

    @app.errorhandler(500)
    def _server_error(e):
        return error_page(500, _("Something went wrong"), _("We could not complete this. Please try again."))
