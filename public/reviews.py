"""The item page's forms: comments and answers in the Reviews tab, and Report this listing.

Each view reads the form, calls the domain (`models.comments`, `models.reports`)
and redirects back; on an error the item page comes back with the message next
to the field and what the user typed still in it.
"""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_security import auth_required, current_user

from models.comments import CommentError, delete_comment, post_comment
from models.comments import report_comment as report_a_comment
from models.reports import ReportError, report_listing
from models.users import CustomerBlocked
from web.extensions import limiter
from web.urls import parse_id

from .showcase import get_visible_listing, render_item

bp = Blueprint("reviews", __name__)


def _comment_limit():
    return current_app.config["COMMENT_RATE_LIMIT"]


def _per_user():
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _item_url(listing_id, anchor="reviews"):
    return url_for("showcase.item", listing_id=listing_id, _anchor=anchor)


@bp.post("/pristroy/<int:listing_id>/comments")
@auth_required()
@limiter.limit(
    _comment_limit,
    key_func=_per_user,
    # Only comments actually posted count against the limit, not refused forms.
    deduct_when=lambda response: response.status_code in (302, 303),
)
def post(listing_id):
    """Post a comment, a question, or an answer (with `parent_id`)."""
    listing = get_visible_listing(listing_id)
    body = request.form.get("body", "")
    parent_id = parse_id(request.form.get("parent_id"))
    try:
        comment = post_comment(listing, current_user, body, parent_id=parent_id)
    except (CommentError, CustomerBlocked) as exc:
        code = 403 if isinstance(exc, CustomerBlocked) else 400
        return render_item(listing, code, comment={"body": body, "parent_id": parent_id, "error": exc.message})
    return redirect(_item_url(listing.id, f"comment-{comment.id}"), 303)


@bp.errorhandler(429)
def _too_many(exc):
    """The rate limit: the page again, with the text kept and a clear message."""
    listing_id = (request.view_args or {}).get("listing_id")
    if listing_id is None:
        return _("Too many requests. Wait a minute and try again."), 429
    listing = get_visible_listing(listing_id)
    message = _("You are posting too fast. Wait a minute, then send your comment again.")
    return render_item(
        listing,
        429,
        comment={
            "body": request.form.get("body", ""),
            "parent_id": parse_id(request.form.get("parent_id")),
            "error": message,
        },
    )


@bp.post("/pristroy/<int:listing_id>/comments/<int:comment_id>/delete")
@auth_required()
def delete(listing_id, comment_id):
    """The author deletes their own comment."""
    try:
        delete_comment(comment_id, current_user, listing_id=listing_id)
    except CommentError as exc:
        abort(403 if exc.forbidden else 404)
    flash(_("Your comment was deleted."), "success")
    return redirect(_item_url(listing_id), 303)


@bp.post("/pristroy/<int:listing_id>/report")
@auth_required()
def report(listing_id):
    """Report this listing: once per reason; three users send it back to moderation."""
    listing = get_visible_listing(listing_id)
    reason = request.form.get("reason", "")
    note = request.form.get("note", "")
    try:
        _report, reopened = report_listing(current_user, listing, reason, note)
    except (ReportError, CustomerBlocked) as exc:
        code = 403 if isinstance(exc, CustomerBlocked) else 400
        return render_item(listing, code, report={"reason": reason, "note": note, "error": exc.message})
    flash(_("Thank you. A moderator will look at this listing."), "success")
    if reopened:
        # It has left the showcase: its page is a 404 for the reporter now.
        return redirect(url_for("showcase.index"), 303)
    return redirect(_item_url(listing.id, "report"), 303)


@bp.post("/pristroy/<int:listing_id>/comments/<int:comment_id>/report")
@auth_required()
def report_comment(listing_id, comment_id):
    """Report a comment to the moderators (once per user). A blocked customer gets the 403 page."""
    get_visible_listing(listing_id)
    try:
        report_a_comment(current_user, comment_id, listing_id)
    except CommentError as exc:
        if exc.not_found:
            abort(404)
        flash(exc.message, "danger")
    else:
        flash(_("Thank you. A moderator will look at this comment."), "success")
    return redirect(_item_url(listing_id, f"comment-{comment_id}"), 303)
