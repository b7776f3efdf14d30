"""Comments of the item pages, read-only, with delete for spam."""

from flask import flash
from flask_admin.actions import action
from flask_admin.babel import ngettext as admin_ngettext
from flask_admin.model.template import TemplateLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_security import current_user
from markupsafe import Markup

from models import Comment
from models.comments import CommentError, delete_comment, hide_comment, restore_comment
from web.urls import parse_id

from .base import SecureModelView, attach_related, link, when
from .filters import CreatedBetweenFilter, UserPrefixFilter


def _listing(view, context, comment, name):
    if comment.listing_name is None:
        return ""
    return link(view.get_url("pristroy.edit_view", id=comment.listing_id), comment.listing_name)


def _body(view, context, comment, name):
    prefix = Markup('<span class="badge badge-light">{}</span> ').format(_("reply")) if comment.parent_id else ""
    if comment.hidden_at:
        # The moderator still reads what was hidden (to restore it, or for the log).
        prefix += Markup('<span class="badge badge-secondary comment-hidden">{}</span> ').format(
            _("hidden by a moderator")
        )
    return prefix + Markup('<span class="text-prewrap">{}</span>').format(comment.body)


class CommentAdmin(SecureModelView):
    """/admin/comment/: every comment and question, newest first; delete removes spam."""

    can_create = False
    can_edit = False
    can_delete = True
    can_view_details = False
    column_list = ("created_at", "listing", "author", "body")
    column_labels = {"created_at": _l("Written"), "listing": _l("Listing"), "author": _l("Author"), "body": _l("Text")}
    column_formatters = {
        "created_at": lambda v, c, m, n: when(m.created_at),
        "listing": _listing,
        "author": lambda v, c, m, n: m.user_name,
        "body": _body,
    }
    column_sortable_list = ("created_at",)
    column_default_sort = ("created_at", True)
    column_searchable_list = ("body",)
    column_filters = (
        UserPrefixFilter(Comment.author, _l("Author")),
        CreatedBetweenFilter(Comment.created_at, _l("Written")),
    )

    def search_placeholder(self):
        return _("Search text")

    def get_list_row_actions(self):
        # Our own buttons: the stock delete needs inline JavaScript.
        return [
            TemplateLinkRowAction("flea_rows.hide_comment", _l("Hide")),
            TemplateLinkRowAction("flea_rows.delete", _l("Delete")),
        ]

    def _moderate(self, ids, move, done_message):
        actor = current_user._get_current_object()
        done, refused = 0, []
        for comment_id in dict.fromkeys(i for i in map(parse_id, ids) if i is not None):
            try:
                move(actor, comment_id)
                done += 1
            except CommentError as exc:
                refused.append(exc.message)
        if done:
            flash(done_message(done), "success")
        for message in dict.fromkeys(refused):
            flash(message, "error")

    @action("hide", _l("Hide"))
    def action_hide(self, ids):
        """Hide: the comment stays in the thread as "hidden by a moderator"; its reports close."""
        self._moderate(
            ids, hide_comment, lambda n: ngettext("Hid %(count)s comment.", "Hid %(count)s comments.", n, count=n)
        )

    @action("restore", _l("Restore"))
    def action_restore(self, ids):
        self._moderate(
            ids,
            restore_comment,
            lambda n: ngettext("Restored %(count)s comment.", "Restored %(count)s comments.", n, count=n),
        )

    def delete_model(self, model):
        """The row's Delete: the same rule as on the item page (answers stay, under a placeholder)."""
        try:
            delete_comment(model.id, current_user._get_current_object())
        except CommentError as exc:
            flash(exc.message, "error")
            return False
        return True

    @action(*SecureModelView.action_delete._action)  # Flask-Admin's own name, label and question
    def action_delete(self, ids):
        """Delete the selected comments one by one through the domain; one message for the lot."""
        # Flask-Admin's own words (and their translations), as its stock delete says them.
        self._moderate(
            ids,
            lambda actor, comment_id: delete_comment(comment_id, actor),
            lambda n: admin_ngettext(
                "Record was successfully deleted.", "%(count)s records were successfully deleted.", n, count=n
            ),
        )

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if execute:
            attach_related(rows, user_attr="author_id")
        return count, rows
