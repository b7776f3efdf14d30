"""What every admin page shares: access for the `admin` role only, the app's CSRF, helpers."""

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.model.base import filter_char_re, filter_compact_re
from flask_babel import to_user_timezone
from flask_security import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from models import User
from web.urls import MAX_ID, parse_id


class AdminAccessMixin:
    """Anonymous visitors go to the login page; logged-in non-admins get 403."""

    def is_accessible(self):
        return current_user.is_authenticated and current_user.has_role("admin")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("security.login", next=request.full_path))
        abort(403)


class SecureIndexView(AdminAccessMixin, AdminIndexView):
    pass


class SecureModelView(AdminAccessMixin, ModelView):
    """A model view with the app's CSRF and a list page free of inline JavaScript."""

    # One CSRF mechanism for the whole app: Flask-WTF's CSRFProtect, whose token
    # FlaskForm renders in every admin form, action form included.
    form_base_class = FlaskForm
    list_template = "admin/flea/list.html"
    named_filter_urls = True
    page_size = 20
    can_set_page_size = True
    page_size_options = (10, 20, 50, 100)
    extra_js = None

    def get_filter_arg(self, index, flt):
        """The filter's URL name from its English label and operation (`user_starts_with`),
        whatever the language: lazy strings keep their msgid, so links and scripts that
        name a filter work in Russian too."""
        if not self.named_filter_urls:
            return super().get_filter_arg(index, flt)
        name, operation = (getattr(text, "_args", (text,))[0] for text in (flt.name, flt.operation()))
        return filter_compact_re.sub("_", filter_char_re.sub("", f"{name} {operation}".lower()))

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # A hand-made ?sort= naming a column that cannot be sorted would be a KeyError (500).
        if sort_column is not None and sort_column not in self._sortable_columns:
            sort_column = None
        # A hand-made ?page= so large that its OFFSET is past 64 bits: the (empty) last page it can be.
        if page:
            page = min(page, MAX_ID // (page_size or self.page_size or 1) - 1)
        return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)

    def get_one(self, id):
        """The row of `?id=` (edit, delete), or None for an id that can't exist (not a number, past 64 bits)."""
        if parse_id(id) is None:
            return None
        return super().get_one(parse_id(id))

    @action(*ModelView.action_delete._action)  # Flask-Admin's own name, label and question
    def action_delete(self, ids):
        """The stock bulk delete, on the selected ids that can exist."""
        return super().action_delete([i for i in map(parse_id, ids) if i is not None])

    def render(self, template, **kwargs):
        kwargs.setdefault("flea_js", url_for("static", filename="js/admin.js"))
        kwargs.setdefault("flea_css", url_for("static", filename="css/admin.css"))
        return super().render(template, **kwargs)


def usernames(user_ids):
    """{id: login} for a set of user ids, in one query."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    rows = User.select(User.id, User.username, User.email).where(User.id.in_(list(ids)))
    return {u.id: u.display_name for u in rows}


WHEN_FORMAT = "yyyy-MM-dd HH:mm"


def when(value):
    """A timestamp as the admin lists show it: `format_datetime(value, WHEN_FORMAT)`.

    That pattern is digits only, the same in every locale, so strftime in the user's
    timezone gives the same text without Babel's pattern machinery (two per list row).
    """
    return to_user_timezone(value).strftime("%Y-%m-%d %H:%M") if value else ""


def user_prefix_condition(column, value):
    """`column` (a user key) belongs to a user whose login or email starts with `value`.

    A subquery instead of a join keeps Flask-Admin's own joins for search and sort
    out of trouble (the join trap); `startswith` escapes LIKE wildcards and is
    case-insensitive on both databases.
    """
    value = (value or "").strip()
    users = User.select(User.id).where(User.username.startswith(value) | User.email.startswith(value))
    return column.in_(users)


def link(url, text, **attrs):
    extra = "".join(f' {k.rstrip("_")}="{escape(v)}"' for k, v in attrs.items())
    return Markup(f'<a href="{escape(url)}"{extra}>{escape(text)}</a>')


def attach_related(rows, user_attr):
    """Give each row `listing_name` and `user_name`, loaded for the whole page in two queries.

    Used instead of joins in get_query() (the join trap) and instead of touching
    `row.listing` in a template (one query per row).
    """
    from models import Listing

    listing_ids = {row.listing_id for row in rows if row.listing_id}
    names = {}
    if listing_ids:
        names = dict(Listing.select(Listing.id, Listing.name).where(Listing.id.in_(list(listing_ids))).tuples())
    users = usernames(getattr(row, user_attr) for row in rows)
    for row in rows:
        row.listing_name = names.get(row.listing_id)
        row.user_name = users.get(getattr(row, user_attr), "")
    return rows
