"""/admin/users/: customers and admins, with **Block from the flea market** and **Unblock**.

Blocking and unblocking go through `models.lifecycle` (block_customer,
unblock_customer): the listings the block takes off and gives back are moves of
the lifecycle, in the moderation log.
"""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from flask_admin.model.template import TemplateLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_security import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from models import DeclineTemplate, User, lifecycle
from models.errors import DomainError
from models.listing_input import MAX_REASON
from web.forms import EmptyForm
from web.urls import parse_id

from .base import SecureModelView, when
from .filters import ChoiceEqualFilter


class BlockForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The customer sees this reason on their pages and next to the listings it takes off."),
        validators=[
            DataRequired(_l("Give a reason for blocking.")),
            Length(max=MAX_REASON, message=_l("The reason is too long (1,000 characters at most).")),
        ],
    )


class BlockedFilter(ChoiceEqualFilter):
    """Blocked customers, or everyone else."""

    def apply(self, query, value):
        if value == "yes":
            return query.where(User.blocked_at.is_null(False))
        return query.where(User.blocked_at.is_null())


def _blocked(view, context, user, name):
    if user.blocked_at is None:
        return ""
    return Markup('<span class="badge badge-danger">{}</span> {}').format(_("Blocked"), when(user.blocked_at))


class UserAdmin(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    column_list = ("username", "email", "created_at", "blocked_at", "block_reason")
    column_labels = {
        "username": _l("Login"),
        "email": _l("Email"),
        "created_at": _l("Registered"),
        "blocked_at": _l("Blocked"),
        "block_reason": _l("Reason"),
    }
    column_formatters = {"created_at": lambda v, c, m, n: when(m.created_at), "blocked_at": _blocked}
    column_sortable_list = ("username", "email", "created_at", "blocked_at")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("username", "email")
    column_filters = (BlockedFilter(User.blocked_at, _l("Blocked"), options=[("yes", _l("Yes")), ("no", _l("No"))]),)
    column_extra_row_actions = [TemplateLinkRowAction("flea_rows.block", _l("Block from the flea market"))]

    def search_placeholder(self):
        return _("Search login, email")

    def _user(self):
        user_id = parse_id(request.values.get("id"))
        user = User.get_or_none(User.id == user_id) if user_id else None
        if user is None:
            abort(404)
        return user

    @expose("/block/", methods=("GET", "POST"))
    def block_view(self):
        """Block from the flea market: asks for the reason, then blocks."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        user = self._user()
        form = BlockForm()
        if form.validate_on_submit():
            try:
                taken = lifecycle.block_customer(current_user._get_current_object(), user.id, form.reason.data)
            except DomainError as exc:
                flash(exc.message, "error")
            else:
                flash(
                    ngettext(
                        "Blocked %(name)s; %(count)s listing left the showcase.",
                        "Blocked %(name)s; %(count)s listings left the showcase.",
                        taken,
                        name=user.display_name,
                        count=taken,
                    ),
                    "success",
                )
            return redirect(return_url)
        return self.render(
            "admin/flea/block.html",
            form=form,
            user=user,
            return_url=return_url,
            reason_templates=list(DeclineTemplate.ordered()),
            max_reason=MAX_REASON,
        )

    @expose("/unblock/", methods=("POST",))
    def unblock_view(self):
        """Unblock: the listings the block took are Approved again."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        user = self._user()
        if not EmptyForm().validate_on_submit():
            flash(_("The form has expired. Reload the page and try again."), "error")
            return redirect(return_url)
        try:
            restored = lifecycle.unblock_customer(current_user._get_current_object(), user.id)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(
                ngettext(
                    "Unblocked %(name)s; %(count)s listing is back on the showcase.",
                    "Unblocked %(name)s; %(count)s listings are back on the showcase.",
                    restored,
                    name=user.display_name,
                    count=restored,
                ),
                "success",
            )
        return redirect(return_url)

    def render(self, template, **kwargs):
        kwargs.setdefault("block_url", lambda user_id: url_for(".block_view", id=user_id, url=request.full_path))
        return super().render(template, **kwargs)
