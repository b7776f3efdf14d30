"""The web layer both audiences share: extensions, headers, languages, URLs, forms, error pages.

`public/` (customer pages) and `admin_views/` (the moderator's) import from here
and never from each other; nothing here imports either of them.
"""

import logging

from flask import has_request_context
from flask_security import PeeweeUserDatastore, current_user, url_for_security

from models import ListingStatus, Notification, Role, User, UserRoles, db

from . import auth, compress, config, errors, headers, health, i18n, metrics, request_log, static_files, urls
from .extensions import babel, csrf, limiter, mail, security


def _unread_notifications():
    unread = 0
    if has_request_context() and current_user.is_authenticated:
        unread = Notification.unread_count(current_user)
    return {"unread_notifications": unread}


def init_app(app):
    """Bind the extensions and install what every page needs, before any blueprint."""
    urls.init_app(app)  # first: its `int` converter must be in place before any rule is added
    compress.init_app(app)  # its after-request hook is then the last to run
    request_log.init_app(app)
    health.init_app(app)  # answers /healthz before any other hook runs
    metrics.init_app(app)
    for warning in config.production_warnings(app):
        logging.getLogger("flea_market").warning(warning)
    headers.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_fast_gettext(app)
    mail.init_app(app)
    limiter.init_app(app)
    datastore = PeeweeUserDatastore(db, User, Role, UserRoles)
    security.init_app(app, datastore, login_form=auth.IdentityLoginForm)
    auth.init_app(app, limiter)
    # Files under /static/ need no identity: don't load the user (a query) for each of them.
    security.principal.skip_static = True
    i18n.init_app(app)
    app.jinja_env.globals["ListingStatus"] = ListingStatus
    # Also in macros imported without the page's context (the favourite button).
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["url_for_security"] = url_for_security
    app.context_processor(_unread_notifications)
    errors.init_app(app)
    static_files.init_app(app)
