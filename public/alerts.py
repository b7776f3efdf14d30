"""Search alerts: Notify me of new listings on the showcase, and /account/alerts.

The showcase's button posts its current search here; the alerts page lists them with
Pause / Resume and Delete. The domain is `models.alerts`: another customer's alert is
its NOT_FOUND, which `web.errors` turns into 404.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import current_user, url_for_security

from models import alerts, catalog
from models.errors import DomainError

bp = Blueprint("alerts", __name__)


def _search_url(filters):
    return url_for("showcase.index", **filters.args())


@bp.post("/account/alerts")
def create():
    """Save the showcase's search (`q`, `min`, `max` of the form) as an alert of the customer."""
    filters = catalog.Filters.from_args(request.form)
    if not current_user.is_authenticated:
        # Back to the same search after logging in, where the button is one click away.
        return redirect(url_for_security("login", next=_search_url(filters)))
    if filters.errors:
        flash(_("Correct the price range first, then save the search."), "warning")
        return redirect(_search_url(filters), 303)
    try:
        alert, created = alerts.save(current_user, filters)
    except DomainError as exc:
        flash(exc.message, "warning")
        return redirect(_search_url(filters), 303)
    if created:
        flash(_("Search alert saved. You will be told about new listings that match it."), "success")
    else:
        flash(_("You already have this search alert."), "info")
    return redirect(url_for("alerts.page", _anchor=f"alert-{alert.id}"), 303)


@bp.get("/account/alerts")
def page():
    """The customer's search alerts."""
    if not current_user.is_authenticated:
        return redirect(url_for_security("login", next=request.path))
    return render_template("account/alerts.html", alerts=alerts.of_user(current_user), tab="alerts")


def _act(alert_id, action, message):
    if not current_user.is_authenticated:
        return redirect(url_for_security("login", next=url_for("alerts.page")))
    action(current_user, alert_id)  # someone else's alert: NOT_FOUND, a 404 from web.errors
    flash(message, "success")
    return redirect(url_for("alerts.page"), 303)


@bp.post("/account/alerts/<int:alert_id>/pause")
def pause(alert_id):
    return _act(alert_id, alerts.pause, _("Search alert paused."))


@bp.post("/account/alerts/<int:alert_id>/resume")
def resume(alert_id):
    return _act(alert_id, alerts.resume, _("Search alert resumed."))


@bp.post("/account/alerts/<int:alert_id>/delete")
def delete(alert_id):
    return _act(alert_id, alerts.delete, _("Search alert deleted."))
