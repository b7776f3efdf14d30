"""The store connector's API (`/api/v1/`): a flask-smorest blueprint on the same app.

What holds for every request under /api/ is set here: no browser session (a
session cookie neither authenticates nor is ever set), no CSRF (there is no
cookie to forge), its own rate limit, JSON errors in the contract's shape
(`web.errors.api_error`), and the OpenAPI 3 document generated from the same
marshmallow schemas that validate the bodies.
"""

from flask.sessions import SessionInterface
from flask_smorest import Api

from .schemas import Error

API_PREFIX = "/api/"


class ConnectorApi(Api):
    """flask-smorest's Api, documenting the contract's error body and leaving the site's error pages alone."""

    ERROR_SCHEMA = Error

    def _register_error_handlers(self):
        # flask-smorest would answer every HTTP error of the whole site with its own
        # JSON; the API blueprint has its own handler and web.errors does the rest.
        pass


class NoSessionForApi(SessionInterface):
    """The app's session interface, except under /api/: an empty session there, never saved.

    So a logged-in browser calling the API is anonymous to it, and no API response
    carries a Set-Cookie.
    """

    def __init__(self, inner):
        self.inner = inner

    def open_session(self, app, request):
        if request.path.startswith(API_PREFIX):
            return self.inner.session_class()
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        from flask import request

        if request.path.startswith(API_PREFIX):
            return None
        return self.inner.save_session(app, session, response)

    def is_null_session(self, obj):
        return self.inner.is_null_session(obj)

    def make_null_session(self, app):
        return self.inner.make_null_session(app)


def _request_class(base):
    class Request(base):
        """The body limit of API requests is the API's: the site's own (a form with a photo) is larger.

        Decided from the path, because an extension may read the body before any
        of the blueprint's hooks run.
        """

        @property
        def max_content_length(self):
            if not self.path.startswith(API_PREFIX):
                return super().max_content_length
            from flask import current_app

            from models.photos import MAX_BYTES

            if self.path.endswith("/photo"):
                return MAX_BYTES
            return current_app.config["API_MAX_JSON_LENGTH"]

    return Request


def init_app(app):
    from web.extensions import csrf

    from . import views

    app.session_interface = NoSessionForApi(app.session_interface)
    app.request_class = _request_class(app.request_class)
    api = ConnectorApi(app)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "a key from `flask --app app api-keys create`"}
    )
    csrf.exempt(views.bp)
    api.register_blueprint(views.bp)
    app.extensions["connector_api"] = api
