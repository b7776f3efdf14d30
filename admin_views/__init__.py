"""The moderator's side: Flask-Admin at /admin/, for the `admin` role only."""

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from models import Listing

from .base import SecureIndexView
from .listings import ListingAdmin


def init_app(app):
    # Flask-Admin keeps per-app state in its views, so each app gets its own Admin.
    admin = Admin(
        app,
        name="Flea Market",
        index_view=SecureIndexView(url="/admin"),
        theme=Bootstrap4Theme(swatch="default"),
    )
    admin.add_view(ListingAdmin(Listing, name="Pristroy", category="Catalog", endpoint="pristroy", url="pristroy"))
    app.extensions["flea_admin"] = admin
    return admin
