"""Everything a customer or visitor reaches: extensions, pages, template helpers, error pages."""

from flask import current_app, g, has_request_context, render_template, request, session
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_security import PeeweeUserDatastore, current_user
from flask_wtf.csrf import CSRFError

from models import ListingStatus, Notification, Role, User, UserRoles, db

from . import auth, headers, i18n
from .auth import IdentityLoginForm, QueueMailUtil
from .extensions import babel, csrf, limiter, mail, security
from .i18n import money

STATUS_BADGES = {
    ListingStatus.MODERATION: "warning",
    ListingStatus.APPROVED: "success",
    ListingStatus.DECLINED: "danger",
    ListingStatus.REMOVED: "secondary",
    ListingStatus.SOLD: "dark",
}


def select_locale():
    """The user's choice, else the browser's language, else the default."""
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or languages[0]


def photo_url(photo, thumb=False):
    """A stored photo's address; the route's prefix is built once per request, not per photo."""
    if photo is None:
        return None
    base = g.get("_media_base")
    if base is None:
        from flask import url_for

        base = g._media_base = url_for("media.photo", name="x")[:-1]
    return base + (photo.thumb_filename if thumb else photo.filename)


def init_app(app):
    headers.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    i18n.install_fast_gettext(app)
    mail.init_app(app)
    limiter.init_app(app)
    datastore = PeeweeUserDatastore(db, User, Role, UserRoles)
    security.init_app(app, datastore, login_form=IdentityLoginForm, mail_util_cls=QueueMailUtil)
    auth.init_app(app, limiter)
    # Files under /static/ need no identity: don't load the user (a query) for each of them.
    security.principal.skip_static = True
    i18n.init_app(app)

    from . import account, feeds, media, reviews, showcase

    app.register_blueprint(showcase.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(feeds.bp)

    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["date"] = lambda d: format_date(d, "medium") if d else ""
    app.jinja_env.filters["datetime"] = lambda d: format_datetime(d, "medium") if d else ""
    app.jinja_env.globals["photo_url"] = photo_url
    app.jinja_env.globals["STATUS_BADGES"] = STATUS_BADGES
    app.jinja_env.globals["ListingStatus"] = ListingStatus

    @app.context_processor
    def _header():
        unread = 0
        if has_request_context() and current_user.is_authenticated:
            unread = Notification.unread_count(current_user)
        return {"unread_notifications": unread}

    def _error_page(code, title, message):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def _bad_request(e):
        return _error_page(
            400, _("Bad request"), _("The form could not be read. Go back, reload the page and try again.")
        )

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return _error_page(
            400,
            _("The form has expired"),
            _("The page was open too long or came from elsewhere. Reload it and try again."),
        )

    @app.errorhandler(403)
    def _forbidden(e):
        return _error_page(403, _("Not allowed"), _("This belongs to someone else."))

    @app.errorhandler(404)
    def _not_found(e):
        return _error_page(404, _("Page not found"), _("There is nothing here. It may have been removed."))

    @app.errorhandler(405)
    def _method(e):
        return _error_page(405, _("Not allowed"), _("This address does not accept that kind of request."))

    @app.errorhandler(413)
    def _too_large(e):
        return _error_page(413, _("The upload is too large"), _("Photos can be up to 10 MB. Choose a smaller file."))

    @app.errorhandler(429)
    def _too_many(e):
        return _error_page(429, _("Too many attempts"), _("Please wait a few minutes and try again."))

    from models.errors import DomainError

    @app.errorhandler(DomainError)
    def _domain_error(e):
        # The one place a refusal of the rules becomes an HTTP answer.
        titles = {404: _("Page not found"), 403: _("Not allowed")}
        return _error_page(e.status_code, titles.get(e.status_code, _("Not allowed")), e.message)

    @app.errorhandler(500)
    def _server_error(e):
        return _error_page(500, _("Something went wrong"), _("We could not complete this. Please try again."))
