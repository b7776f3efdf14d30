"""/admin/reports/: visitors' open reports, grouped by listing, for a moderator to deal with.

Each listing's reports can be dismissed (with an optional note) or acted on
(decline or remove with a reason), which closes them. The page sends the ids of
the reports it showed: a report that arrived since stays open, and reports
another moderator closed meanwhile are answered with "already dealt with".
"""

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_security import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from models import DeclineTemplate
from models.comments import comment_report_queue, dismiss_comment_reports, hide_comment
from models.errors import DomainError
from models.listing_input import MAX_REASON
from models.reports import QUEUE_ORDERS, act_on_reports, dismiss_reports, report_queue
from models.users import utcnow
from web.urls import parse_id

from .base import AdminAccessMixin, when
from .dashboard import human_duration
from .listings import status_badge

PER_PAGE = 20
ORDER_LABELS = {"newest": _l("Newest first"), "oldest": _l("Oldest first"), "count": _l("Most reports first")}


class ReportForm(FlaskForm):
    """The CSRF token and the moderator's text of both forms of a queue entry."""

    note = TextAreaField(_l("Note"), validators=[Length(max=MAX_REASON)])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=MAX_REASON)])


def _report_ids():
    ids = (parse_id(raw) for raw in request.form.getlist("report"))
    return [i for i in dict.fromkeys(ids) if i is not None]


class ReportsView(AdminAccessMixin, BaseView):
    def _back(self):
        order = request.form.get("order") or request.args.get("order")
        return redirect(url_for(".index", order=order if order in QUEUE_ORDERS else None))

    @expose("/")
    def index(self):
        order = request.args.get("order", "newest")
        if order not in QUEUE_ORDERS:
            order = "newest"
        page = max((parse_id(request.args.get("page")) or 1) - 1, 0)
        total, entries = report_queue(order=order, page=page, per_page=PER_PAGE)
        now = utcnow()
        return self.render(
            "admin/flea/reports.html",
            entries=entries,
            total=total,
            comment_entries=comment_report_queue(),
            order=order,
            order_labels=ORDER_LABELS,
            page=page,
            pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
            form=ReportForm(formdata=None),
            reason_templates=list(DeclineTemplate.ordered()),
            age=lambda since: human_duration(now - since) if since else None,
            status_badge=status_badge,
            when=when,
            max_reason=MAX_REASON,
            flea_css=url_for("static", filename="css/admin.css"),
            flea_js=url_for("static", filename="js/admin.js"),
        )

    @expose("/dismiss", methods=("POST",))
    def dismiss(self):
        form = ReportForm()
        listing_id = parse_id(request.form.get("listing_id"))
        if not form.validate_on_submit() or listing_id is None:
            flash(_("The form has expired. Reload the page and try again."), "error")
            return self._back()
        try:
            done = dismiss_reports(current_user._get_current_object(), listing_id, _report_ids(), form.note.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(ngettext("Dismissed %(count)s report.", "Dismissed %(count)s reports.", done, count=done), "success")
        return self._back()

    @expose("/act", methods=("POST",))
    def act(self):
        form = ReportForm()
        listing_id = parse_id(request.form.get("listing_id"))
        action = request.form.get("action")
        if not form.validate_on_submit() or listing_id is None:
            flash(_("The form has expired. Reload the page and try again."), "error")
            return self._back()
        seen = parse_id(request.form.get("seen_version"))
        try:
            listing = act_on_reports(
                current_user._get_current_object(), listing_id, _report_ids(), action, form.reason.data, seen
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            message = _("Declined “%(name)s”.") if action == "decline" else _("Removed “%(name)s”.")
            flash(message % {"name": listing.name}, "success")
        return self._back()

    @expose("/comments/dismiss", methods=("POST",))
    def dismiss_comment(self):
        """Dismiss the reports of a comment (the ones the page showed)."""
        return self._on_comment(
            lambda admin, comment_id: dismiss_comment_reports(admin, comment_id, _report_ids()),
            lambda n: ngettext("Dismissed %(count)s report.", "Dismissed %(count)s reports.", n, count=n),
        )

    @expose("/comments/hide", methods=("POST",))
    def hide_reported_comment(self):
        """Hide the reported comment; its open reports close with it."""
        return self._on_comment(hide_comment, lambda _n: _("The comment is hidden."))

    def _on_comment(self, act, done_message):
        form = ReportForm()
        comment_id = parse_id(request.form.get("comment_id"))
        if not form.validate_on_submit() or comment_id is None:
            flash(_("The form has expired. Reload the page and try again."), "error")
            return self._back()
        try:
            result = act(current_user._get_current_object(), comment_id)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(done_message(result if isinstance(result, int) else 1), "success")
        return self._back()
