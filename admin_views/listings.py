"""The Pristroy view: every listing, with the moderation actions of the lifecycle."""

from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from models import Listing, ListingStatus, lifecycle

from .base import SecureModelView


class ListingAdmin(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("name", "price", "quantity", "status", "created_at", "updated_at")
    column_default_sort = ("created_at", True)

    def get_query(self):
        return Listing.select().where(Listing.status != ListingStatus.SOLD)

    def _run(self, ids, move, done_message):
        done, refused = 0, []
        for listing_id in ids:
            try:
                move(current_user, int(listing_id))
                done += 1
            except lifecycle.ListingStateError as exc:
                refused.append(exc.message)
        if done:
            flash(done_message % {"count": done}, "success")
        for message in refused:
            flash(message, "error")

    @action("approve", _l("Approve"), _l("Approve the selected listings?"))
    def action_approve(self, ids):
        self._run(ids, lifecycle.approve, _("Approved: %(count)s."))

    @action("remove", _l("Remove"), _l("Remove the selected listings for good?"))
    def action_remove(self, ids):
        self._run(ids, lifecycle.remove, _("Removed: %(count)s."))
