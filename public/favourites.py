"""Favourites: Add to favourites / Remove from favourites on item pages and cards, and the
favourites page.

Without JavaScript the button is a plain form that comes back to the page it was on;
static/js/favourites.js sends the same form with `Accept: application/json` and gets
the new state instead of a redirect. The domain is `models.favourites`.
"""

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import current_user, url_for_security

from models import favourites
from models.errors import DomainError

bp = Blueprint("favourites", __name__)


def _wants_json():
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _back(default):
    """Where the form came from (its `next`), if that is a path of this site."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _login_first(default):
    """A visitor who is not logged in: to the login page, then back to where they were."""
    login = url_for_security("login", next=_back(default))
    if _wants_json():
        return jsonify(error=_("Log in to save favourites."), login=login), 401
    return redirect(login)


def _answer(listing_id, saved):
    item = url_for("showcase.item", listing_id=listing_id)
    if _wants_json():
        return jsonify(listing_id=listing_id, saved=saved, label=button_label(saved))
    return redirect(_back(item), 303)


def button_label(saved):
    return _("Remove from favourites") if saved else _("Add to favourites")


@bp.post("/pristroy/<int:listing_id>/favourite")
def add(listing_id):
    """Save a public listing; anything visitors can't see is not found."""
    if not current_user.is_authenticated:
        return _login_first(url_for("showcase.item", listing_id=listing_id))
    try:
        favourites.add(current_user, listing_id)
    except DomainError:
        abort(404)
    return _answer(listing_id, True)


@bp.post("/pristroy/<int:listing_id>/unfavourite")
def remove(listing_id):
    """Forget a saved listing, whatever its status now (not saved: nothing to do)."""
    if not current_user.is_authenticated:
        return _login_first(url_for("showcase.item", listing_id=listing_id))
    favourites.remove(current_user, listing_id)
    return _answer(listing_id, False)


@bp.get("/account/favourites")
def page():
    """The customer's favourites; those no longer on the showcase show nothing but that."""
    if not current_user.is_authenticated:
        return redirect(url_for_security("login", next=request.path))
    return render_template("account/favourites.html", entries=favourites.entries(current_user))


@bp.post("/account/favourites/<int:favourite_id>/remove")
def remove_saved(favourite_id):
    """The favourites page's Remove (works for a listing that is no longer available too)."""
    if not current_user.is_authenticated:
        return redirect(url_for_security("login", next=url_for("favourites.page")))
    try:
        favourites.remove_by_id(current_user, favourite_id)
    except DomainError:
        abort(404)
    return redirect(url_for("favourites.page"), 303)


@bp.app_template_global()
def favourite_ids():
    """The viewer's saved listing ids (empty for visitors): one query per page, however many cards."""
    if "favourite_ids" not in g:
        g.favourite_ids = favourites.listing_ids(current_user) if current_user.is_authenticated else frozenset()
    return g.favourite_ids


@bp.app_template_global()
def favourite_counts(listing_ids):
    """{listing id: how many people saved it}, for the owner's My items: one query."""
    return favourites.counts(listing_ids)


bp.add_app_template_global(button_label, "favourite_label")
