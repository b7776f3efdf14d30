"""The moderator's side: Flask-Admin at /admin/, for the `admin` role only."""

from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from models import Comment, DeclineTemplate, Listing, ModerationEvent, User
from web.headers import csp_nonce

from .comments import CommentAdmin
from .dashboard import DashboardView
from .decline_templates import DeclineTemplateAdmin
from .listings import ListingAdmin
from .moderation_log import ModerationLogAdmin
from .reports import ReportsView
from .users import UserAdmin

CATALOG = _l("Catalog")


def init_app(app):
    # Flask-Admin keeps per-app state in its views, so each app gets its own Admin.
    admin = Admin(
        app,
        name=_l("Flea Market admin"),
        index_view=DashboardView(name=_l("Dashboard"), url="/admin"),
        theme=Bootstrap4Theme(swatch="default"),
        # Flask-Admin's own templates carry a few inline scripts; the CSP admits them by nonce.
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(ReportsView(name=_l("Reports"), endpoint="reports", url="reports"))
    admin.add_view(ListingAdmin(Listing, name=_l("Pristroy"), category=CATALOG, endpoint="pristroy", url="pristroy"))
    admin.add_view(CommentAdmin(Comment, name=_l("Comments"), category=CATALOG, endpoint="comments", url="comments"))
    admin.add_view(
        ModerationLogAdmin(
            ModerationEvent,
            name=_l("Moderation log"),
            category=CATALOG,
            endpoint="moderation_log",
            url="moderation-log",
        )
    )
    admin.add_view(
        DeclineTemplateAdmin(
            DeclineTemplate,
            name=_l("Decline reasons"),
            category=CATALOG,
            endpoint="decline_templates",
            url="decline-reasons",
        )
    )
    admin.add_view(UserAdmin(User, name=_l("Users"), endpoint="users", url="users"))
    admin.add_link(MenuLink(name=_l("Back to the store"), url="/"))
    app.extensions["flea_admin"] = admin
    return admin
