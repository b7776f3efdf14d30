"""The moderation log: every status change and admin edit, read-only, with filters."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from models import ListingStatus, ModerationEvent
from models.lifecycle import ACTION_LABELS

from .base import SecureModelView, attach_related, link, when
from .filters import ChoiceEqualFilter, CreatedBetweenFilter, IdEqualFilter, UserPrefixFilter

STATUS_OPTIONS = [(status, ListingStatus.LABELS[status]) for status in ListingStatus.ALL]
ACTION_OPTIONS = [(name, label) for name, label in ACTION_LABELS.items() if name != "admin_edit"] + [
    ("admin_edit", _l("edit by a moderator"))
]


def _listing(view, context, event, name):
    if event.listing_name is None:
        return ""
    return link(view.get_url("pristroy.edit_view", id=event.listing_id), event.listing_name)


def _actor(view, context, event, name):
    return event.user_name if event.actor_id else Markup('<span class="text-muted">{}</span>').format(_("system"))


def _status(field):
    def format_status(view, context, event, name):
        value = getattr(event, field)
        return ListingStatus.LABELS.get(value, value) if value else ""

    return format_status


def _action(view, context, event, name):
    return dict(ACTION_OPTIONS).get(event.action, event.action)


class ModerationLogAdmin(SecureModelView):
    """/admin/moderation-log/: who did what to which listing, when, and why."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    column_display_actions = False
    column_list = ("created_at", "listing", "actor", "action", "from_status", "to_status", "reason")
    column_labels = {
        "created_at": _l("When"),
        "listing": _l("Listing"),
        "actor": _l("Who"),
        "action": _l("Action"),
        "from_status": _l("From"),
        "to_status": _l("To"),
        "reason": _l("Reason"),
    }
    column_formatters = {
        "created_at": lambda v, c, m, n: when(m.created_at),
        "listing": _listing,
        "actor": _actor,
        "action": _action,
        "from_status": _status("from_status"),
        "to_status": _status("to_status"),
    }
    column_sortable_list = ("created_at",)
    column_default_sort = [("created_at", True), ("id", True)]
    column_searchable_list = ("reason",)
    column_filters = (
        UserPrefixFilter(ModerationEvent.actor, _l("Who")),
        ChoiceEqualFilter(ModerationEvent.action, _l("Action"), options=ACTION_OPTIONS),
        ChoiceEqualFilter(ModerationEvent.to_status, _l("To"), options=STATUS_OPTIONS),
        CreatedBetweenFilter(ModerationEvent.created_at, _l("When")),
        IdEqualFilter(ModerationEvent.listing, _l("Listing id")),
    )

    def search_placeholder(self):
        return _("Search reasons")

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if execute:
            attach_related(rows, user_attr="actor_id")
        return count, rows
