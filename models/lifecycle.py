"""The listing lifecycle: the only code that creates listings and changes their status.

Moves, by the status a listing must be in and the status it goes to:

    put up for sale   (a completed order line)            -> On moderation
    edit (owner)      On moderation, Approved, Declined   -> On moderation
    approve           On moderation                       -> Approved
    decline           On moderation, Approved             -> Declined (with a reason)
    remove            On moderation, Approved, Declined   -> Removed  (final)
    sell (owner)      On moderation, Approved, Declined   -> Sold     (final)
    reopen (system)   Approved                            -> On moderation

Every move runs in one transaction together with its moderation event (and the
owner's notification, when there is one). A move changes the row only if it is
still in the status *and version* it was read in, so two people acting at once
cannot both win, and a moderator's approval applies only to the version the
moderator saw. Anything not allowed raises `ListingStateError`.
"""

import json
import re
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .db import after_commit, is_postgres, next_id, reset_sequence, write_transaction
from .listings import Listing, ListingStatus, listed_quantities
from .moderation import ModerationEvent
from .notifications import NotificationKind, notify
from .orders import Order, OrderLine, OrderStatus, Product
from .photos import Photo, StagedPhoto, delete_photo
from .text import TextError, clean_text
from .users import utcnow

S = ListingStatus

MOVES = {
    "edit": ({S.MODERATION, S.APPROVED, S.DECLINED}, S.MODERATION),
    "approve": ({S.MODERATION}, S.APPROVED),
    "decline": ({S.MODERATION, S.APPROVED}, S.DECLINED),
    "remove": ({S.MODERATION, S.APPROVED, S.DECLINED}, S.REMOVED),
    "sell": ({S.MODERATION, S.APPROVED, S.DECLINED}, S.SOLD),
    "reopen": ({S.APPROVED}, S.MODERATION),
}

ACTION_LABELS = {
    "put_up": _l("put up for sale"),
    "edit": _l("edit"),
    "admin_edit": _l("edit"),
    "approve": _l("approve"),
    "decline": _l("decline"),
    "remove": _l("remove"),
    "sell": _l("mark as sold"),
    "reopen": _l("send back to moderation"),
}

MAX_PRICE = Decimal("99999999.99")
MAX_QUANTITY = 10000
MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_REASON = 1000
PRICE_RE = re.compile(r"^\d{1,8}(?:[.,]\d{1,2})?$")


class ListingStateError(Exception):
    """A move that is not allowed. `field` names the form field it belongs to, if any;
    `forbidden` marks an attempt on someone else's thing (pages answer 403)."""

    def __init__(self, message, field=None, forbidden=False, not_found=False):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.forbidden = forbidden
        self.not_found = not_found


def parse_price(value):
    """A positive amount with at most two decimals, or ListingStateError."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ListingStateError(_("Enter a price such as 1500 or 1499.90."), field="price")
        text = format(value, "f")
    else:
        text = str(value or "").strip()
    if not PRICE_RE.match(text):
        raise ListingStateError(_("Enter a price such as 1500 or 1499.90."), field="price")
    try:
        price = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ListingStateError(_("Enter a price such as 1500 or 1499.90."), field="price") from None
    if price <= 0:
        raise ListingStateError(_("The price must be more than zero."), field="price")
    if price > MAX_PRICE:
        raise ListingStateError(_("The price is too large."), field="price")
    return price.quantize(Decimal("0.01"))


@dataclass
class ListingData:
    """What a seller (or an admin) can set on a listing."""

    name: str
    description: str
    price: object
    quantity: int

    def cleaned(self):
        name = _clean(self.name, MAX_NAME, "name", _("The name is too long."))
        description = _clean(
            self.description, MAX_DESCRIPTION, "description", _("The description is too long."), multiline=True
        )
        if not name:
            raise ListingStateError(_("Enter a name."), field="name")
        if not description:
            raise ListingStateError(_("Describe the item and say how to contact you."), field="description")
        try:
            quantity = int(self.quantity)
        except (TypeError, ValueError):
            raise ListingStateError(_("Enter a whole number of items."), field="quantity") from None
        if quantity < 1:
            raise ListingStateError(_("The quantity must be at least 1."), field="quantity")
        if quantity > MAX_QUANTITY:
            raise ListingStateError(_("The quantity is too large."), field="quantity")
        return {
            "name": name,
            "description": description,
            "price": parse_price(self.price),
            "quantity": quantity,
        }


def _clean(value, max_length, field, too_long, multiline=False):
    try:
        return clean_text(value, max_length, multiline=multiline)
    except TextError as exc:
        if str(exc) == "length":
            raise ListingStateError(too_long, field=field) from None
        raise ListingStateError(_("Remove the invisible control characters from this text."), field=field) from None


def _lock_line(line_id):
    """Read an order line with its order, locking it for the rest of the transaction."""
    query = OrderLine.select(OrderLine, Order).join(Order).where(OrderLine.id == line_id)
    if is_postgres():
        query = query.for_update()
    return query.get_or_none()


def _check_quantity_left(line, quantity, exclude_listing_id=None):
    query = Listing.select().where(Listing.order_line == line.id)
    if exclude_listing_id is not None:
        query = query.where(Listing.id != exclude_listing_id)
    listed = sum(listing.quantity for listing in query)
    left = line.quantity - listed
    if quantity > left:
        if left <= 0:
            msg = _(
                "All %(bought)s items of this order line are already listed.",
                bought=line.quantity,
            )
        else:
            msg = _(
                "Only %(left)s of %(bought)s items are left to sell.",
                left=left,
                bought=line.quantity,
            )
        raise ListingStateError(msg, field="quantity")


def quantity_left(line):
    """Units of an order line not yet in any listing (whatever its status)."""
    return line.quantity - listed_quantities([line.id]).get(line.id, 0)


def _record(listing, action, actor, from_status, to_status, reason=None):
    ModerationEvent.create(
        listing=listing.id,
        actor=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def _staged(photo, user):
    """Photo files written before the transaction and removed again if it fails."""
    return StagedPhoto(photo, uploaded_by=user.id) if photo else nullcontext()


def put_up_for_sale(user, line_id, data, photo=None):
    """Create a listing On moderation from a line of the user's own Completed order.

    `photo` is a `ProcessedImage` (already checked and re-encoded) or None.
    """
    fields = data.cleaned()
    with _staged(photo, user) as staged, write_transaction():
        line = _lock_line(line_id)
        if line is None:
            raise ListingStateError(_("This order line does not exist."), not_found=True)
        if line.order.user_id != user.id:
            raise ListingStateError(_("This is not your order."), forbidden=True)
        if line.order.status != OrderStatus.COMPLETED:
            raise ListingStateError(_("Only items of completed orders can be put up for sale."))
        _check_quantity_left(line, fields["quantity"])
        photo_row = staged.create_row() if staged else None
        listing = Listing.create(
            owner=user.id,
            order_line=line.id,
            photo=photo_row.id if photo_row else None,
            status=S.MODERATION,
            **fields,
        )
        _record(listing, "put_up", user, None, S.MODERATION)
    return listing


def _explain_refusal(listing, action, seen_version):
    # A status that forbids the move is the more useful answer than "it changed".
    sources = MOVES.get(action, (set(S.ALL) - set(S.FINAL), None))[0]
    if listing.status in sources and seen_version is not None and listing.version != seen_version:
        return ListingStateError(
            _("This listing was changed by someone else after you opened the page. Reload it and try again.")
        )
    return ListingStateError(
        _(
            "Can't %(action)s “%(name)s”: it is %(status)s.",
            action=ACTION_LABELS[action],
            name=listing.name,
            status=str(listing.status_label).lower(),
        )
    )


def _load(listing_id, owner=None):
    listing = Listing.get_or_none(Listing.id == listing_id)
    if listing is None:
        raise ListingStateError(_("This listing does not exist."), not_found=True)
    if owner is not None and listing.owner_id != owner.id:
        raise ListingStateError(_("This is not your listing."), forbidden=True)
    return listing


MODERATOR_MOVES = {"approve", "decline", "remove"}


def _require_moderator(actor):
    if actor is None or not actor.has_role("admin"):
        raise ListingStateError(_("Only moderators can do this."), forbidden=True)


def _move(
    action,
    listing_id,
    actor,
    *,
    seen_version=None,
    owner=None,
    reason=None,
    changes=None,
):
    """Apply one move of MOVES in the current transaction; return (listing before, after)."""
    if action in MODERATOR_MOVES:
        _require_moderator(actor)
    sources, target = MOVES[action]
    listing = _load(listing_id, owner)
    if listing.status not in sources or (seen_version is not None and listing.version != seen_version):
        raise _explain_refusal(listing, action, seen_version)
    values = {"status": target, "version": Listing.version + 1, "updated_at": utcnow()}
    values.update(changes or {})
    changed = (
        Listing.update(values)
        .where((Listing.id == listing.id) & (Listing.status == listing.status) & (Listing.version == listing.version))
        .execute()
    )
    if changed != 1:
        # Someone else moved it between our read and our write.
        raise ListingStateError(
            _("This listing was changed by someone else after you opened the page. Reload it and try again.")
        )
    _record(listing, action, actor, listing.status, target, reason)
    return listing, Listing.get_by_id(listing.id)


def _snapshot(listing):
    return json.dumps(
        {
            "name": listing.name,
            "description": listing.description,
            "price": str(listing.price),
            "quantity": listing.quantity,
            "photo_id": listing.photo_id,
        }
    )


def approved_snapshot(listing):
    """The listing's fields as last approved, or None if it never was."""
    return json.loads(listing.approved_snapshot) if listing.approved_snapshot else None


def _photo_kept_for_review(listing, photo_id):
    snap = approved_snapshot(listing)
    return bool(snap) and snap.get("photo_id") == photo_id


def _delete_photo_later(photo_id):
    if photo_id:

        def cleanup():
            photo = Photo.get_or_none(Photo.id == photo_id)
            if (
                photo is not None
                and not Listing.select().where(Listing.photo == photo_id).exists()
                and not (Product.select().where(Product.photo == photo_id).exists())
            ):
                delete_photo(photo)

        after_commit(cleanup)


def approve(actor, listing_id, seen_version=None):
    """Moderator: put a listing on the showcase."""
    with write_transaction():
        before, listing = _move(
            "approve",
            listing_id,
            actor,
            seen_version=seen_version,
            changes={"published_at": utcnow(), "decline_reason": None},
        )
        previous = approved_snapshot(before)
        Listing.update(approved_snapshot=_snapshot(listing)).where(Listing.id == listing.id).execute()
        listing.approved_snapshot = _snapshot(listing)
        if previous and previous.get("photo_id") != listing.photo_id:
            _delete_photo_later(previous.get("photo_id"))
        notify(listing.owner, NotificationKind.APPROVED, listing)
    return listing


def decline(actor, listing_id, reason, seen_version=None):
    """Moderator: send a listing back to its owner with a reason."""
    reason = _clean(reason, MAX_REASON, "reason", _("The reason is too long (1,000 characters at most)."), True)
    if not reason:
        raise ListingStateError(_("Give a reason for declining."), field="reason")
    with write_transaction():
        _before, listing = _move(
            "decline",
            listing_id,
            actor,
            seen_version=seen_version,
            reason=reason,
            changes={"decline_reason": reason},
        )
        notify(listing.owner, NotificationKind.DECLINED, listing, reason=reason)
    return listing


def remove(actor, listing_id, seen_version=None, reason=None):
    """Moderator: take a listing off for good."""
    with write_transaction():
        _before, listing = _move("remove", listing_id, actor, seen_version=seen_version, reason=reason)
        notify(listing.owner, NotificationKind.REMOVED, listing, reason=reason)
    return listing


def mark_sold(user, listing_id, seen_version=None):
    """Owner: the item was sold. Final; its units stay counted against the order line."""
    with write_transaction():
        _before, listing = _move("sell", listing_id, user, seen_version=seen_version, owner=user)
    return listing


def reopen(listing_id, reason, actor=None):
    """Send an approved listing back to moderation (e.g. after repeated reports)."""
    with write_transaction():
        _before, listing = _move("reopen", listing_id, actor, reason=reason)
        notify(listing.owner, NotificationKind.REOPENED, listing, reason=reason)
    return listing


def _apply_edit(listing, fields, photo_staged, uploaded_by):
    """Field changes for an edit; checks the line's quantity under its lock."""
    if fields["quantity"] != listing.quantity:
        line = _lock_line(listing.order_line_id)
        _check_quantity_left(line, fields["quantity"], exclude_listing_id=listing.id)
    changes = dict(fields)
    if photo_staged:
        changes["photo"] = photo_staged.create_row().id
    return changes


def edit_listing(user, listing_id, data, seen_version=None, photo=None):
    """Owner: change a listing. It goes (back) to moderation and leaves the showcase."""
    fields = data.cleaned()
    with _staged(photo, user) as staged, write_transaction():
        current = _load(listing_id, owner=user)
        if current.status not in MOVES["edit"][0]:
            raise _explain_refusal(current, "edit", None)
        changes = _apply_edit(current, fields, staged, user.id)
        changes["decline_reason"] = None
        before, listing = _move(
            "edit",
            listing_id,
            user,
            seen_version=seen_version,
            owner=user,
            changes=changes,
        )
        if staged and before.photo_id and not _photo_kept_for_review(before, before.photo_id):
            _delete_photo_later(before.photo_id)
    return listing


def admin_edit(admin, listing_id, data, seen_version=None, photo=None):
    """Moderator: correct a listing without sending it back to moderation (logged)."""
    _require_moderator(admin)
    fields = data.cleaned()
    with _staged(photo, admin) as staged, write_transaction():
        current = _load(listing_id)
        if current.is_final or (seen_version is not None and current.version != seen_version):
            raise _explain_refusal(current, "admin_edit" if current.is_final else "edit", seen_version)
        changes = _apply_edit(current, fields, staged, admin.id)
        changes.update(version=Listing.version + 1, updated_at=utcnow())
        if current.status == S.APPROVED:
            # The admin's own edit is what is now approved.
            changes["approved_snapshot"] = None
        changed = (
            Listing.update(changes).where((Listing.id == current.id) & (Listing.version == current.version)).execute()
        )
        if changed != 1:
            raise _explain_refusal(Listing.get_by_id(current.id), "edit", current.version)
        _record(current, "admin_edit", admin, current.status, current.status)
        listing = Listing.get_by_id(current.id)
        if listing.status == S.APPROVED:
            Listing.update(approved_snapshot=_snapshot(listing)).where(Listing.id == listing.id).execute()
        if staged and current.photo_id and not _photo_kept_for_review(listing, current.photo_id):
            _delete_photo_later(current.photo_id)
    return Listing.get_by_id(listing_id)


def bulk_import_listings(rows):
    """Insert many listings at once with their moderation events (demo and migration data).

    Each row is a dict of Listing fields including `status`; the events record the
    moves that would have led there (put up, then the moderator's or seller's move),
    so the log stays complete. No quantity checks: the caller brings consistent lines.
    """
    first_id = next_id(Listing)
    listings, events = [], []
    final_action = {S.APPROVED: "approve", S.DECLINED: "decline", S.REMOVED: "remove", S.SOLD: "sell"}
    for offset, row in enumerate(rows):
        listing_id = first_id + offset
        row = dict(row, id=listing_id)
        status = row["status"]
        if status == S.APPROVED:
            row["published_at"] = row.get("published_at") or row["created_at"]
            row["approved_snapshot"] = json.dumps(
                {
                    "name": row["name"],
                    "description": row["description"],
                    "price": str(row["price"]),
                    "quantity": row["quantity"],
                    "photo_id": row.get("photo"),
                }
            )
        if status == S.DECLINED:
            row["decline_reason"] = row.get("decline_reason") or "Please add a photo of the label."
        listings.append(row)
        events.append((listing_id, row["owner"], "put_up", None, S.MODERATION, None, row["created_at"]))
        if status in final_action:
            actor = row["owner"] if status == S.SOLD else None
            events.append(
                (
                    listing_id,
                    actor,
                    final_action[status],
                    S.MODERATION,
                    status,
                    row.get("decline_reason"),
                    row["created_at"],
                )
            )
    columns = sorted({key for row in listings for key in row})
    Listing.insert_many(
        [[row.get(c) for c in columns] for row in listings], fields=[getattr(Listing, c) for c in columns]
    ).execute()
    fields = [
        ModerationEvent.listing,
        ModerationEvent.actor,
        ModerationEvent.action,
        ModerationEvent.from_status,
        ModerationEvent.to_status,
        ModerationEvent.reason,
        ModerationEvent.created_at,
    ]
    for i in range(0, len(events), 2000):
        ModerationEvent.insert_many(events[i : i + 2000], fields=fields).execute()
    reset_sequence(Listing)
    return len(listings)
