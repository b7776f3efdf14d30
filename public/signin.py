"""`/signin/<token>`: the one-time link the store puts behind its "Sell it on the flea market" button."""

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_security import login_user

from models.db import db
from models.signin_links import EXPIRED, USED, LinkRefused, use_link
from web.i18n import safe_next

bp = Blueprint("signin", __name__)


def _refusal(why):
    if why == USED:
        return _("This sign-in link was already used"), _("Each link signs you in once.")
    if why == EXPIRED:
        return _("This sign-in link has expired"), _("A link is valid for 15 minutes.")
    return _("This sign-in link is not valid"), _("The address may be incomplete or changed.")


@bp.get("/signin/<token>")
def use(token):
    try:
        with db.database.atomic():
            user, next_path = use_link(token)
    except LinkRefused as refused:
        title, detail = _refusal(refused.why)
        html = render_template("public/signin_refused.html", title=title, detail=detail)
        return html, 410 if refused.why in (USED, EXPIRED) else 404, {"Cache-Control": "no-store"}
    login_user(user, remember=False, authn_via=["signin_link"])
    target = safe_next(next_path) or url_for("account.completed")
    return redirect(target, 303), {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
