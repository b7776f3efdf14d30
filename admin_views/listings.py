"""The Pristroy view: every listing, with the moderation actions of the lifecycle.

No code here writes a listing's status: approve, decline, remove and edit all
go through `models.lifecycle`, with the version the moderator saw, so an edit
made by the seller after the page was loaded is never approved unseen.
"""

import re
from decimal import Decimal, InvalidOperation

from flask import abort, flash, g, get_template_attribute, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.babel import gettext as admin_gettext
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_admin.helpers import get_redirect_target
from flask_admin.model.template import TemplateLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_security import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape
from peewee import JOIN, SQL, fn
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from models import DeclineTemplate, Listing, ListingStatus, ModerationEvent, Photo, Report, User, lifecycle
from models.errors import DomainError
from models.lifecycle import MODERATOR
from models.listing_input import MAX_REASON
from models.listings import QUEUE_RANK, ListingPhoto, galleries
from models.photos import WEBP_BOXES
from models.users import utcnow
from web.forms import ListingForm
from web.i18n import money
from web.urls import parse_id, photo_url

from .base import SecureModelView, link, when
from .dashboard import human_duration
from .filters import ChoiceEqualFilter, CreatedBetweenFilter, UserPrefixFilter

S = ListingStatus

STATUS_OPTIONS = [(status, ListingStatus.LABELS[status]) for status in ListingStatus.ALL]

# The buttons of each move: (action name, label, Bootstrap colour).
MODERATION_BUTTONS = (
    ("approve", _l("Approve"), "success"),
    ("decline", _l("Decline"), "warning"),
    ("remove", _l("Remove"), "danger"),
)

AUTOCOMPLETE_LIMIT = 10

# A photo file name url_for leaves as it is (stored names are hex stems): `RowUrls.thumb_url`.
SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")


class StatusFilter(ChoiceEqualFilter):
    """The one filter that can show Sold listings."""


class ReportedFilter(BasePeeweeFilter):
    """Listings with open reports (the Reported filter)."""

    def apply(self, query, value):
        return query.where(Listing.id.in_(Report.select(Report.listing).where(Report.resolved_at.is_null())))

    def validate(self, value):
        return value == "yes"

    def operation(self):
        return _l("is")


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The seller sees this reason next to the listing and in the notification."),
        validators=[
            DataRequired(_l("Give a reason for declining.")),
            Length(max=MAX_REASON, message=_l("The reason is too long (1,000 characters at most).")),
        ],
    )


class RemoveForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Optional. The seller sees it next to the Removed listing and in the notification."),
        validators=[Length(max=MAX_REASON, message=_l("The reason is too long (1,000 characters at most)."))],
    )


def status_badge(listing):
    """The same badge as the customer pages: the colours live only in the template macro.

    The badge depends on the status alone, so a list page renders the macro once per
    status it shows, not once per row.
    """
    badges = g.setdefault("status_badges", {})
    if listing.status not in badges:
        badges[listing.status] = get_template_attribute("_macros.html", "status_badge")(listing)
    return badges[listing.status]


def _per_request(key, make):
    """`make()` once per request: what every row of a list page shares (URLs, words)."""
    cache = g.setdefault("admin_list_cache", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def changes_since_approval(listing):
    """What the seller changed since the listing was last approved: [{field, label, old, new}].

    None when it was never approved. Photos are compared by their row; the old
    photo is kept by the lifecycle while the snapshot refers to it.
    """
    snap = lifecycle.approved_snapshot(listing)
    if not snap:
        return None
    rows = []
    fields = (
        ("name", _("Name")),
        ("description", _("Description")),
        ("price", _("Price")),
        ("quantity", _("Quantity")),
    )
    for field, label in fields:
        old, new = snap.get(field), getattr(listing, field)
        if field == "price":
            try:
                differs = Decimal(str(old)) != Decimal(new)
            except (InvalidOperation, TypeError):
                differs = True
            old, new = money(old) if old is not None else "", money(new)
        else:
            differs = old != new
        if differs:
            rows.append({"field": field, "label": label, "old": old, "new": new})
    before, now = list(snap.get("photo_ids") or []), ListingPhoto.ids_of(listing)
    if before != now:
        rows.append(_photo_changes(before, now))
    return rows


def _photo_changes(before, now):
    """The photos row of "what changed": the approved and current photos in order, with
    those removed and added since the approval (one query for all of them)."""
    photos = {photo.id: photo for photo in Photo.select().where(Photo.id.in_(list(set(before) | set(now))))}
    return {
        "field": "photo",
        "label": _("Photos"),
        "old": [photos[i] for i in before if i in photos],
        "new": [photos[i] for i in now if i in photos],
        "removed": [photos[i] for i in before if i not in now and i in photos],
        "added": [photos[i] for i in now if i not in before and i in photos],
        "reordered": [i for i in before if i in now] != [i for i in now if i in before],
    }


def moderation_log(listing_id):
    """The listing's moderation events, newest first, with their actors in the same query."""
    actor = User.alias()
    return list(
        ModerationEvent.select(ModerationEvent, actor.username, actor.email)
        .join(actor, JOIN.LEFT_OUTER, on=(ModerationEvent.actor == actor.id), attr="actor_row")
        .where(ModerationEvent.listing == listing_id)
        .order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
    )


def _seen_version(listing_id):
    """The version of a listing the moderator saw, as rendered into the page, if any."""
    try:
        return int(request.values.get(f"seen_{listing_id}", ""))
    except ValueError:
        return None


def _ids(raw_ids):
    # Ids that can't exist (not numbers, past 64 bits) are left out before any query.
    ids = (parse_id(raw) for raw in raw_ids)
    return list(dict.fromkeys(i for i in ids if i is not None))


def _refusal(error, name):
    """A lifecycle refusal that says which listing it is about."""
    if name and name not in error.message:
        return _("“%(name)s”: %(message)s", name=name, message=error.message)
    return error.message


def _thumb(view, context, listing, name):
    photo = listing.shown_photo
    if not photo:
        return Markup('<span class="admin-thumb admin-thumb-empty" aria-hidden="true"></span>')
    src = view.row_urls(context.get("return_url")).thumb_url(photo)
    return Markup(f'<img class="admin-thumb" src="{escape(src)}" alt="" width="48" height="48" loading="lazy">')


def _name(view, context, listing, name):
    url = view.row_urls(context.get("return_url")).edit_url(listing.id)
    out = link(url, listing.name, title=_per_request("edit_title", lambda: _("Edit")))
    if listing.status == S.MODERATION and listing.approved_snapshot:
        out += _per_request(
            "changed_badge",
            lambda: Markup(' <span class="badge badge-info" title="{}">{}</span>').format(
                _("Edited by the seller after it was approved"), _("changed")
            ),
        )
    return out


def _owner(view, context, listing, name):
    return listing.owner_name


def _order(view, context, listing, name):
    return listing.order_number


def _price(view, context, listing, name):
    return money(listing.price)


def _status(view, context, listing, name):
    return status_badge(listing)


def _waiting(view, context, listing, name):
    """How long an On moderation listing has been waiting since it was put up (the list's order)."""
    if listing.status != S.MODERATION:
        return ""
    now = _per_request("now", utcnow)
    days, hours, minutes = human_duration(now - listing.created_at)
    # The two phrasings are looked up once per page, then filled in for each row.
    if days:
        text = _per_request("days_hours", lambda: _("%(d)s d %(h)s h")) % {"d": days, "h": hours}
    else:
        text = _per_request("hours_minutes", lambda: _("%(h)s h %(m)s min")) % {"h": hours, "m": minutes}
    return Markup('<span class="text-nowrap waiting-age">{}</span>').format(text)


def _reports(view, context, listing, name):
    count = getattr(listing, "open_reports", 0)
    if not count:
        return ""
    url = url_for("reports.index")
    return Markup('<a class="badge badge-danger open-reports" href="{}">{}</a>').format(url, count)


def _created(view, context, listing, name):
    return when(listing.created_at)


def _updated(view, context, listing, name):
    return when(listing.updated_at)


class RowUrls:
    """The addresses, token and words every row of a list page shares, built once per page:
    one `url_for` per row and link was a good part of the page's time."""

    _ID = 987654321987654321  # stands for the row's id in the one edit address built

    def __init__(self, view, return_url):
        # The same address url_for gives for each row (`?id=N&url=...`), with N put in by hand.
        self._edit = view.get_url(".edit_view", id=self._ID, url=return_url).split(str(self._ID), 1)
        self.edit_title = admin_gettext("Edit Record")
        self.action = view.get_url(".action_view")
        self.csrf = generate_csrf()
        self._photo = None  # the photos' address without the file name, once a row has a photo

    def edit_url(self, listing_id):
        return f"{self._edit[0]}{int(listing_id)}{self._edit[1]}"

    def thumb_url(self, photo):
        """The smallest WebP copy (a few KB for a 48 px square; the thumbnail when the photo's
        size is not known), from one url_for per page for names that need no quoting."""
        smallest = photo.webp_sizes(largest=min(WEBP_BOXES))
        box = smallest[0][0] if smallest else None
        name = photo.webp_filename(box) if box else photo.thumb_filename
        if not SAFE_NAME.fullmatch(name):
            return photo_url(photo, thumb=box is None, webp=box)
        if self._photo is None:
            self._photo = photo_url(photo, thumb=box is None, webp=box)[: -len(name)]
        return self._photo + name


class ListingAdmin(SecureModelView):
    """/admin/pristroy/: the moderator's list of listings."""

    can_create = False
    can_edit = True
    can_delete = False
    can_view_details = False
    list_template = "admin/flea/listing_list.html"

    column_list = (
        "photo",
        "name",
        "owner",
        "order",
        "price",
        "quantity",
        "status",
        "waiting",
        "reports",
        "created_at",
        "updated_at",
    )
    column_labels = {
        "photo": _l("Photo"),
        "name": _l("Name"),
        "owner": _l("Owner"),
        "order": _l("Order"),
        "price": _l("Price"),
        "quantity": _l("Quantity"),
        "status": _l("Status"),
        "waiting": _l("Waiting"),
        "reports": _l("Reports"),
        "created_at": _l("Created"),
        "updated_at": _l("Updated"),
    }
    column_formatters = {
        "photo": _thumb,
        "name": _name,
        "owner": _owner,
        "order": _order,
        "price": _price,
        "status": _status,
        "waiting": _waiting,
        "reports": _reports,
        "created_at": _created,
        "updated_at": _updated,
    }
    column_sortable_list = ("name", "price", "quantity", "status", "created_at", "updated_at")
    # No default sort column: the list opens on On moderation, oldest first, then the rest, newest first.
    column_default_sort = None
    column_searchable_list = ("name", "description")
    # Drawn by `listing_list.html` itself, from addresses built once per page (`row_urls`).
    column_extra_row_actions = [TemplateLinkRowAction("flea_rows.moderate", _l("Moderate"))]
    column_filters = (
        UserPrefixFilter(Listing.owner, _l("User")),
        StatusFilter(Listing.status, _l("Status"), options=STATUS_OPTIONS),
        CreatedBetweenFilter(Listing.created_at, _l("Created")),
        ReportedFilter(Listing.id, _l("Reported"), options=[("yes", _l("with open reports"))]),
    )

    def search_placeholder(self):
        return _("Search name, description")

    # ------------------------------------------------------------ the list

    def get_query(self):
        query = Listing.select()
        if not g.get("flea_status_filtered"):
            query = query.where(Listing.status != S.SOLD)
        # On moderation first, then newest: read straight from the `listing_queue` index.
        return query.order_by(QUEUE_RANK, Listing.created_at.desc(), Listing.id.desc())

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # Sold listings are hidden unless the status filter asks for them.
        g.flea_status_filtered = any(isinstance(self._filters[idx], StatusFilter) for idx, _n, _v in filters or ())
        if execute and sort_column is None and not search and not filters:
            count, rows = self._moderators_day(page or 0, page_size or self.page_size)
        else:
            count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if execute:
            rows = self._with_related(rows)
        return count, rows

    @staticmethod
    def _moderators_day(page, size):
        """The list as it opens: On moderation, the longest waiting first; then the rest
        (not Sold), newest first. Two short index reads instead of sorting the table."""
        page = max(min(page, 10**9), 0)
        offset = page * size
        waiting = Listing.select().where(Listing.status == S.MODERATION).count()
        others = Listing.select().where(QUEUE_RANK == 1).where(Listing.status != S.SOLD)
        # All rows minus the Sold ones: a bare COUNT(*) is nearly free on SQLite, where
        # "status != 'sold'" walks the whole status index (the admin list's main cost).
        every = Listing.select(fn.COUNT(SQL("*"))).scalar()
        count = every - Listing.select(fn.COUNT(SQL("*"))).where(Listing.status == S.SOLD).scalar()
        # Both reads always run (one may be empty), so every page costs the same queries.
        first = (
            Listing.select(Listing.id)
            .where(Listing.status == S.MODERATION)
            .order_by(Listing.created_at, Listing.id)  # read from `listing_status_created_at`
            .limit(max(min(size, waiting - offset), 0))
            .offset(min(offset, waiting))
        )
        ids = [i for (i,) in first.tuples()]
        rest = (
            others.select(Listing.id)
            .order_by(QUEUE_RANK, Listing.created_at.desc(), Listing.id.desc())
            .limit(size - len(ids))
            .offset(max(offset - waiting, 0))
        )
        ids += [i for (i,) in rest.tuples()]
        return count, [Listing(id=i) for i in ids]

    @staticmethod
    def _with_related(rows):
        """The page's listings again as the list shows them (`Listing.admin_rows`: owner, photo,
        order number), with their open reports' count: two queries.

        Joining in get_query() instead would break Flask-Admin's own joins for
        filters and sorting (the join trap).
        """
        ids = [row.id for row in rows]
        if not ids:
            return rows
        listings = Listing.admin_rows(ids)
        counts = Report.open_counts(ids)
        for listing in listings:
            listing.open_reports = counts.get(listing.id, 0)
        return listings

    @pass_context
    def list_cells(self, context, row):
        """The row's cells as (column, value): the formatters called directly, one template
        call per row instead of one per cell."""
        formatters = self.column_formatters
        return [
            (
                column,
                formatters[column](self, context, row, column)
                if column in formatters
                else self._get_list_value(context, row, column, formatters, self.column_type_formatters),
            )
            for column, _label in self._list_columns
        ]

    def row_urls(self, return_url):
        """What every row's edit link and moderation form share, built once per page."""
        return _per_request(("row_urls", return_url), lambda: RowUrls(self, return_url))

    def allowed_buttons(self, listing):
        """The moderation buttons that apply to a listing in its status."""
        allowed = set(lifecycle.moves_for(listing, MODERATOR))
        # The labels translated once per request, not once per row and button.
        buttons = g.get("flea_buttons")
        if buttons is None:
            confirm = {name: self._actions_data[name][2] for name, _label, _style in MODERATION_BUTTONS}
            buttons = g.flea_buttons = [
                (name, str(label), style, str(confirm[name]) if confirm[name] else None)
                for name, label, style in MODERATION_BUTTONS
            ]
        return [button for button in buttons if button[0] in allowed]

    @expose("/users/")
    def user_autocomplete(self):
        """Logins and emails starting with `q`, for the User filter (JSON)."""
        q = (request.args.get("q") or "").strip()
        if not q:
            return jsonify(results=[])
        users = (
            User.select(User.id, User.username, User.email)
            .where(User.username.startswith(q) | User.email.startswith(q))
            .order_by(User.username, User.email)
            .limit(AUTOCOMPLETE_LIMIT)
        )
        return jsonify(
            results=[
                {"login": u.username or u.email, "email": u.email, "label": f"{u.display_name} — {u.email}"}
                for u in users
            ]
        )

    # ------------------------------------------------------------ actions

    def _apply(self, ids, move, done_message):
        """Run one lifecycle move on each listing; report what was done and each refusal."""
        actor = current_user._get_current_object()
        ids = _ids(ids)
        names = dict(Listing.select(Listing.id, Listing.name).where(Listing.id.in_(ids)).tuples()) if ids else {}
        done, refused = 0, []
        for listing_id in ids:
            try:
                move(actor, listing_id, seen_version=_seen_version(listing_id))
                done += 1
            except DomainError as exc:
                refused.append(_refusal(exc, names.get(listing_id)))
        if done:
            flash(done_message(done), "success")
        for message in refused:
            flash(message, "error")

    @action("approve", _l("Approve"))
    def action_approve(self, ids):
        self._apply(
            ids,
            lifecycle.approve,
            lambda n: ngettext("Approved %(count)s listing.", "Approved %(count)s listings.", n, count=n),
        )

    def _to_reason_form(self, endpoint, ids):
        """Decline and remove ask for a reason first: on to the form, with the versions seen."""
        ids = _ids(ids)
        args = {"rowid": ids, "url": get_redirect_target() or self.get_url(".index_view")}
        for listing_id in ids:
            seen = _seen_version(listing_id)
            if seen is not None:
                args[f"seen_{listing_id}"] = seen
        return redirect(self.get_url(endpoint, **args))

    @action("decline", _l("Decline"))
    def action_decline(self, ids):
        return self._to_reason_form(".decline_view", ids)

    @action("remove", _l("Remove"))
    def action_remove(self, ids):
        return self._to_reason_form(".remove_view", ids)

    @expose("/decline/", methods=("GET", "POST"))
    def decline_view(self):
        """Ask for the reason once for all the selected listings, then decline each."""
        return self._reason_view(
            DeclineForm,
            lambda actor, listing, reason: lifecycle.decline(
                actor, listing.id, reason, seen_version=_seen_version(listing.id)
            ),
            endpoint=".decline_view",
            nothing=_("Select at least one listing to decline."),
            done=lambda n: ngettext("Declined %(count)s listing.", "Declined %(count)s listings.", n, count=n),
            page={"kind": "decline", "title": _("Decline listings"), "button": _("Decline"), "style": "warning"},
        )

    @expose("/remove/", methods=("GET", "POST"))
    def remove_view(self):
        """Ask for an (optional) reason once for all the selected listings, then remove each."""
        return self._reason_view(
            RemoveForm,
            lambda actor, listing, reason: lifecycle.remove(
                actor, listing.id, reason=reason, seen_version=_seen_version(listing.id)
            ),
            endpoint=".remove_view",
            nothing=_("Select at least one listing to remove."),
            done=lambda n: ngettext("Removed %(count)s listing.", "Removed %(count)s listings.", n, count=n),
            page={"kind": "remove", "title": _("Remove listings"), "button": _("Remove"), "style": "danger"},
        )

    def _reason_view(self, form_class, move, endpoint, nothing, done, page):
        return_url = get_redirect_target() or self.get_url(".index_view")
        ids = _ids(request.values.getlist("rowid"))
        listings = list(Listing.select().where(Listing.id.in_(ids)).order_by(Listing.id)) if ids else []
        if not listings:
            flash(nothing, "error")
            return redirect(return_url)
        form = form_class()
        if form.validate_on_submit():
            actor = current_user._get_current_object()
            count, refused = 0, []
            for listing in listings:
                try:
                    move(actor, listing, form.reason.data)
                    count += 1
                except DomainError as exc:
                    refused.append(_refusal(exc, listing.name))
            if count:
                flash(done(count), "success")
            for message in refused:
                flash(message, "error")
            return redirect(return_url)
        seen = {listing.id: _seen_version(listing.id) or listing.version for listing in listings}
        return self.render(
            "admin/flea/decline.html",
            form=form,
            listings=listings,
            seen=seen,
            reason_templates=list(DeclineTemplate.ordered()),
            return_url=return_url,
            max_reason=MAX_REASON,
            form_url=self.get_url(endpoint),
            page=page,
        )

    # ------------------------------------------------------------ editing

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Name, description, price, quantity and photo, through lifecycle.admin_edit."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        listing_id = parse_id(request.args.get("id"))
        listing = Listing.with_related().where(Listing.id == listing_id).get_or_none() if listing_id else None
        if listing is None:
            abort(404)
        gallery = galleries([listing])[listing.id]
        if request.method == "POST":
            form = ListingForm()
        else:
            form = ListingForm(
                formdata=None,
                data={
                    "name": listing.name,
                    "description": listing.description,
                    "price": format(listing.price, "f"),
                    "quantity": listing.quantity,
                    "version": listing.version,
                    "photo_order": ",".join(str(photo.id) for photo in gallery),
                },
            )
        if form.validate_on_submit():
            try:
                saved = lifecycle.admin_edit(
                    current_user._get_current_object(),
                    listing.id,
                    form.listing_data(),
                    seen_version=form.seen_version(),
                    photos=form.photo_changes(),
                )
            except DomainError as exc:
                form.apply_domain_error(exc)
            else:
                flash(_("Saved “%(name)s”.", name=saved.name), "success")
                return redirect(return_url)
        return self.render(
            "admin/flea/listing_edit.html",
            form=form,
            listing=listing,
            photos=form.current_photos(gallery),
            buttons=self.allowed_buttons(listing),
            changes=changes_since_approval(listing),
            events=moderation_log(listing.id),
            return_url=return_url,
            edit_url=url_for(".edit_view", id=listing.id, url=return_url),
            status_badge=status_badge,
            when=when,
            action_labels=lifecycle.ACTION_LABELS,
            status_labels=ListingStatus.LABELS,
        )
