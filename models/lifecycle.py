"""The listing lifecycle: the only code that creates listings and changes their status.

`MOVES` is the one table of moves: for each, the statuses a listing must be in,
the status it goes to, and who makes it. Every move runs through `_move`, in one
transaction with its moderation event (and the owner's notification, when there
is one). A move changes the row only if it is still in the status *and version*
it was read in (a compare-and-swap), so two people acting at once cannot both
win, and a moderator's approval applies only to the version the moderator saw.
Anything not allowed raises `ListingStateError`; bad input raises
`models.listing_input.ListingInputError` before anything is written.
"""

import datetime as dt
import json
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError, fn

from .alerts import queue_match as queue_alert_match
from .db import after_commit, is_postgres, write_transaction
from .errors import FORBIDDEN, NOT_FOUND, DomainError
from .listing_input import ListingInputError, clean_reason
from .listings import Listing, ListingPhoto, ListingStatus, listed_quantities, photo_in_use
from .moderation import ModerationEvent
from .notifications import NotificationKind, notify
from .orders import Order, OrderLine, OrderStatus
from .photos import MAX_PHOTOS, Photo, StagedPhoto, delete_photo
from .submissions import MAX_TOKEN, DuplicateSubmission, FormSubmission
from .users import User, refuse_if_blocked, utcnow
from .webhooks import queue_listing_event

S = ListingStatus

# Who makes a move: the listing's owner, a user with the admin role, or the app itself.
OWNER, MODERATOR, SYSTEM = "owner", "moderator", "system"
# Creating a listing is not a move of MOVES (there is no status to move from).
PUT_UP = "put_up"


@dataclass(frozen=True)
class Move:
    sources: frozenset
    target: str | None  # None: the status stays as it is (a moderator's correction)
    by: str
    # Where the move goes instead when the listing changed since it was last approved
    # (putting back on sale, renewing): those need a moderator again.
    if_changed: str | None = None


OPEN = frozenset({S.MODERATION, S.APPROVED, S.DECLINED})
# Not on the showcase, but the owner's to bring back: sold units can still be told.
PAUSED = frozenset({S.WITHDRAWN, S.EXPIRED})

MOVES = {
    "edit": Move(OPEN, S.MODERATION, OWNER),
    "approve": Move(frozenset({S.MODERATION}), S.APPROVED, MODERATOR),
    "decline": Move(frozenset({S.MODERATION, S.APPROVED}), S.DECLINED, MODERATOR),
    "remove": Move(OPEN | PAUSED, S.REMOVED, MODERATOR),
    "sell": Move(OPEN | PAUSED, S.SOLD, OWNER),
    # Product was sold for fewer than all the units: the quantity goes down, the status stays.
    "sell_part": Move(OPEN | PAUSED, None, OWNER),
    "reopen": Move(frozenset({S.APPROVED}), S.MODERATION, SYSTEM),
    "admin_edit": Move(OPEN, None, MODERATOR),
    # Blocking a customer takes their Approved listings off the showcase (Declined, with the
    # block's reason); unblocking brings back exactly those: see block_customer.
    "block": Move(frozenset({S.APPROVED}), S.DECLINED, MODERATOR),
    "unblock": Move(frozenset({S.DECLINED}), S.APPROVED, MODERATOR),
    # The store took the order back (a return, a cancellation): its listings go off sale for good.
    "revoke": Move(OPEN | PAUSED, S.REMOVED, SYSTEM),
    # The owner's Take off sale and Put back on sale.
    "withdraw": Move(OPEN, S.WITHDRAWN, OWNER),
    "put_back": Move(frozenset({S.WITHDRAWN}), S.APPROVED, OWNER, if_changed=S.MODERATION),
    # LISTING_DAYS after its approval (models.expiry), and the owner's Renew.
    "expire": Move(frozenset({S.APPROVED}), S.EXPIRED, SYSTEM),
    "renew": Move(frozenset({S.EXPIRED}), S.APPROVED, OWNER, if_changed=S.MODERATION),
}

ACTION_LABELS = {
    PUT_UP: _l("put up for sale"),
    "edit": _l("edit"),
    "admin_edit": _l("edit"),
    "approve": _l("approve"),
    "decline": _l("decline"),
    "remove": _l("remove"),
    "sell": _l("mark as sold"),
    "sell_part": _l("sell some of the units of"),
    "reopen": _l("send back to moderation"),
    "block": _l("block the owner"),
    "unblock": _l("unblock the owner"),
    "revoke": _l("take back by the store"),
    "withdraw": _l("take off sale"),
    "put_back": _l("put back on sale"),
    "expire": _l("expire"),
    "renew": _l("renew"),
}


class ListingStateError(DomainError):
    """A move that is not allowed (or on a listing that is not there, or not yours)."""


def target_of(action, status):
    """The status `action` takes a listing in `status` to, or None if it is not allowed there."""
    move = MOVES[action]
    if status not in move.sources:
        return None
    return move.target or status


def moves_for(listing, by):
    """The names of the moves `by` (OWNER, MODERATOR) may make on the listing in its status."""
    return [name for name, move in MOVES.items() if move.by == by and listing.status in move.sources]


def event_chain(status):
    """The moves that take a new listing to `status`: [(action, by, from, to)], put up first.

    The shortest way through MOVES, so imported listings get the log (and the
    version) a listing made through the pages would have.
    """
    chain = {S.MODERATION: [(PUT_UP, OWNER, None, S.MODERATION)]}
    queue = deque([S.MODERATION])
    while queue:
        current = queue.popleft()
        for name, move in MOVES.items():
            target = move.target
            if current in move.sources and target and target not in chain:
                chain[target] = chain[current] + [(name, move.by, current, target)]
                queue.append(target)
    if status not in chain:
        raise ValueError(f"no move leads to {status!r}")
    return chain[status]


# ---------------------------------------------------------------- snapshots


def snapshot(fields):
    """The JSON of what a moderator approves: name, description, price, quantity, photos.

    `fields` is a mapping with those keys (`photo` is the main photo's id or None,
    `photos` the ordered ids of all of them; without it, the main one alone), or a Listing.
    """
    if isinstance(fields, Listing):
        fields = {
            "name": fields.name,
            "description": fields.description,
            "price": fields.price,
            "quantity": fields.quantity,
            "photo": fields.photo_id,
            "photos": ListingPhoto.ids_of(fields),
        }
    photos = fields.get("photos")
    if photos is None:
        photos = [fields["photo"]] if fields.get("photo") else []
    return json.dumps(
        {
            "name": fields["name"],
            "description": fields["description"],
            "price": str(fields["price"]),
            "quantity": fields["quantity"],
            "photo_id": photos[0] if photos else None,
            "photo_ids": list(photos),
        }
    )


def approved_snapshot(listing):
    """The listing's fields as last approved, or None if it never was.

    A snapshot from before listings had several photos gets `photo_ids` from its one photo.
    """
    if not listing.approved_snapshot:
        return None
    snap = json.loads(listing.approved_snapshot)
    if "photo_ids" not in snap:
        snap["photo_ids"] = [snap["photo_id"]] if snap.get("photo_id") else []
    return snap


def _changed_since_approval(listing, action):
    """Whether bringing the listing back (`put_back`, `renew`) needs a moderator again: it was
    never approved, its fields differ from the approved ones, or it was not on the showcase
    when its owner took it off sale (a Declined listing stays a moderator's decision)."""
    approved = approved_snapshot(listing)
    if approved is None or json.loads(snapshot(listing)) != approved:
        return True
    if action == "put_back":
        taken_off = (
            ModerationEvent.select(ModerationEvent.from_status)
            .where((ModerationEvent.listing == listing.id) & (ModerationEvent.action == "withdraw"))
            .order_by(ModerationEvent.id.desc())
            .first()
        )
        return taken_off is None or taken_off.from_status != S.APPROVED
    return False


def expiry_after(moment):
    """When a listing approved at `moment` expires (LISTING_DAYS later)."""
    return moment + dt.timedelta(days=current_app.config["LISTING_DAYS"])


def _photos_in_use(listing, gallery=()):
    """The photos a listing keeps: its own (`gallery`, the main one) and those of its approved
    snapshot (kept for the moderator's review of an edit)."""
    snap = approved_snapshot(listing) or {}
    return ({listing.photo_id} | set(gallery) | set(snap.get("photo_ids") or [])) - {None}


def _delete_photo_later(photo_id):
    def cleanup():
        photo = Photo.get_or_none(Photo.id == photo_id)
        # Whatever else still shows it (listings.photo_in_use: the one list) keeps it.
        if photo is not None and not photo_in_use(photo_id):
            delete_photo(photo)

    after_commit(cleanup)


@dataclass
class PhotoChanges:
    """What a form does to a listing's photos.

    `add`: new images (`ProcessedImage`), put after the kept ones in the order chosen;
    `remove`: photo ids to take off; `order`: photo ids, the first is the main photo (ids
    missing from it keep their place after those in it). Ids that are not the listing's
    own photos are ignored: a form can never touch another listing's photos.
    `replace_main`: the new image takes the place of the main photo (one-photo callers).
    """

    add: list = field(default_factory=list)
    remove: list = field(default_factory=list)
    order: list = field(default_factory=list)
    replace_main: bool = False

    @classmethod
    def of(cls, photos):
        """PhotoChanges from what callers pass: None, one ProcessedImage (replaces the main
        photo, as before listings had several), a list of them (added) or PhotoChanges."""
        if photos is None:
            return cls()
        if isinstance(photos, cls):
            return photos
        if isinstance(photos, (list, tuple)):
            return cls(add=list(photos))
        return cls(add=[photos], replace_main=True)


def too_many_photos():
    return ListingInputError(
        _("A listing can have up to %(max)s photos. Remove some or choose fewer.", max=MAX_PHOTOS), field="photo"
    )


def _new_gallery(current, changes, added):
    """The ordered photo ids after `changes`; `added` are the new photos' ids. Refuses more
    than MAX_PHOTOS (on the `photo` field)."""
    remove = {int(i) for i in changes.remove}
    if changes.replace_main and current:
        remove.add(current[0])
    kept = [i for i in current if i not in remove]
    order = []
    for i in changes.order:
        if i in kept and i not in order:
            order.append(i)
    result = order + [i for i in kept if i not in order]
    if changes.replace_main:
        return list(added) + result
    return result + list(added)


def _write_gallery(listing_id, ids):
    """Replace the listing's gallery rows by `ids` in this order (in the caller's transaction)."""
    ListingPhoto.delete().where(ListingPhoto.listing == listing_id).execute()
    if ids:
        ListingPhoto.insert_many(
            [{"listing": listing_id, "photo": photo_id, "position": n} for n, photo_id in enumerate(ids)]
        ).execute()


def repair_main_photos():
    """After photo rows went (`check --fix` deletes those whose files are lost): a listing
    whose main photo went shows its gallery's next one. Returns how many listings changed."""
    first = (
        ListingPhoto.select(ListingPhoto.photo)
        .where(ListingPhoto.listing == Listing.id)
        .order_by(ListingPhoto.position)
        .limit(1)
    )
    has_gallery = fn.EXISTS(ListingPhoto.select(ListingPhoto.id).where(ListingPhoto.listing == Listing.id))
    return Listing.update(photo=first).where(Listing.photo.is_null() & has_gallery).execute()


# ---------------------------------------------------------------- checks


def _lock_line(line_id):
    """Read an order line with its order, locking it for the rest of the transaction."""
    query = OrderLine.select(OrderLine, Order).join(Order).where(OrderLine.id == line_id)
    if is_postgres():
        query = query.for_update()
    return query.get_or_none()


def _check_quantity_left(line, quantity, editing=None):
    """Refuse `quantity` if the line's other listings (and the units `editing` sold) leave less."""
    query = Listing.select().where(Listing.order_line == line.id)
    if editing is not None:
        query = query.where(Listing.id != editing.id)
    listed = sum(listing.units_counted for listing in query)
    left = line.quantity - listed - (editing.units_sold if editing is not None else 0)
    if quantity > left:
        if left <= 0:
            msg = _("All %(bought)s items of this order line are already listed.", bought=line.quantity)
        else:
            msg = _("Only %(left)s of %(bought)s items are left to sell.", left=left, bought=line.quantity)
        raise ListingStateError(msg, field="quantity")


def quantity_left(line):
    """Units of an order line not yet in any listing (whatever its status)."""
    return line.quantity - listed_quantities([line.id]).get(line.id, 0)


def sellable_line(user, line_id):
    """The user's own order line, or NOT_FOUND / FORBIDDEN (checked before an upload is read)."""
    line = OrderLine.select(OrderLine, Order).join(Order).where(OrderLine.id == line_id).get_or_none()
    if line is None:
        raise ListingStateError(_("This order line does not exist."), kind=NOT_FOUND)
    if line.order.user_id != user.id:
        raise ListingStateError(_("This is not your order."), kind=FORBIDDEN)
    return line


def _load(listing_id, owner=None):
    """The listing, or NOT_FOUND; FORBIDDEN when it is someone else's public listing
    (someone else's hidden listing is NOT_FOUND: it must look like one that does not exist)."""
    listing = Listing.get_or_none(Listing.id == listing_id)
    if listing is None or (owner is not None and listing.owner_id != owner.id and not listing.is_public):
        raise ListingStateError(_("This listing does not exist."), kind=NOT_FOUND)
    if owner is not None and listing.owner_id != owner.id:
        raise ListingStateError(_("This is not your listing."), kind=FORBIDDEN)
    return listing


def own_listing(user, listing_id):
    """The user's own listing, or the refusal a stranger gets (see `_load`)."""
    return _load(listing_id, owner=user)


def _require_moderator(actor):
    if actor is None or not actor.has_role("admin"):
        raise ListingStateError(_("Only moderators can do this."), kind=FORBIDDEN)


def _refuse_approval_while_blocked(listing):
    owner = User.select(User.blocked_at).where(User.id == listing.owner_id).first()
    if owner is not None and owner.blocked_at is not None:
        raise ListingStateError(
            _("The owner of “%(name)s” is blocked from the flea market: unblock them first.", name=listing.name)
        )


def _changed_meanwhile():
    return ListingStateError(
        _("This listing was changed by someone else after you opened the page. Reload it and try again.")
    )


def _explain_refusal(listing, action, seen_version):
    # A status that forbids the move is the more useful answer than "it changed".
    if listing.status in MOVES[action].sources and seen_version is not None and listing.version != seen_version:
        return _changed_meanwhile()
    return ListingStateError(
        _(
            "Can't %(action)s “%(name)s”: it is %(status)s.",
            action=ACTION_LABELS[action],
            name=listing.name,
            status=str(listing.status_label).lower(),
        )
    )


def _record(listing_id, action, actor, from_status, to_status, reason=None):
    ModerationEvent.create(
        listing=listing_id,
        actor=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


class _StagedPhotos:
    """Several photos' files written before the transaction and removed again if it fails."""

    def __init__(self, images, user):
        self.staged = [StagedPhoto(image, uploaded_by=user.id) for image in images]
        self.entered = []

    def __enter__(self):
        try:
            for staged in self.staged:
                self.entered.append(staged.__enter__())
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def create_rows(self):
        return [staged.create_row().id for staged in self.entered]

    def __exit__(self, exc_type, exc, tb):
        for staged in reversed(self.entered):
            staged.__exit__(exc_type, exc, tb)
        return False


def _staged(images, user):
    """Photo files written before the transaction and removed again if it fails."""
    return _StagedPhotos(images, user) if images else nullcontext()


# ---------------------------------------------------------------- the one move


def _move(action, listing_id, actor, *, seen_version=None, reason=None, changes=None, prepare=None):
    """Apply one move of MOVES in the current transaction; return the listing after it.

    `prepare(listing)` may return more field changes computed under the
    transaction from the listing as it is now (quantity checks, a new photo row).
    """
    move = MOVES[action]
    if move.by == MODERATOR:
        _require_moderator(actor)
    if move.by == OWNER:
        refuse_if_blocked(actor)
    listing = _load(listing_id, owner=actor if move.by == OWNER else None)
    if listing.status not in move.sources or (seen_version is not None and listing.version != seen_version):
        raise _explain_refusal(listing, action, seen_version)
    target = move.target or listing.status
    if move.if_changed and _changed_since_approval(listing, action):
        target = move.if_changed
    values = dict(changes or {})
    if prepare is not None:
        values.update(prepare(listing))
    # The gallery is read only by the moves that change it or approve it (a snapshot of it).
    gallery_before = gallery_after = ()
    new_gallery = values.pop("photos", None)
    if new_gallery is not None or target == S.APPROVED:
        gallery_before = ListingPhoto.ids_of(listing)
        gallery_after = gallery_before if new_gallery is None else new_gallery
    if new_gallery is not None:
        values["photo"] = new_gallery[0] if new_gallery else None
    if target == S.APPROVED and listing.status != S.APPROVED:
        # Each time it goes (back) on the showcase, it gets its LISTING_DAYS again.
        values.update(expires_at=expiry_after(utcnow()), expiry_reminded_at=None)
    if target == S.APPROVED:
        # What is on the showcase is what was approved: remember it, to show a later edit's changes.
        fields = {
            "name": listing.name,
            "description": listing.description,
            "price": listing.price,
            "quantity": listing.quantity,
            "photo": listing.photo_id,
        }
        fields.update({k: v for k, v in values.items() if k in fields})
        fields["photos"] = list(gallery_after)
        values["approved_snapshot"] = snapshot(fields)
    values.update(status=target, version=Listing.version + 1, updated_at=utcnow())
    unchanged = (Listing.id == listing.id) & (Listing.status == listing.status) & (Listing.version == listing.version)
    # A blocked customer's listing is not approved (unblocking is what brings theirs back);
    # checked in the same statement, so a block made a moment ago is never missed.
    guard_block = target == S.APPROVED and action != "unblock"
    if guard_block:
        unchanged &= ~fn.EXISTS(User.select(User.id).where((User.id == Listing.owner) & User.blocked_at.is_null(False)))
    changed = Listing.update(values).where(unchanged).execute()
    if changed != 1:
        if guard_block:
            _refuse_approval_while_blocked(listing)
        # Someone else moved it between our read and our write.
        raise _changed_meanwhile()
    if new_gallery is not None:
        _write_gallery(listing.id, new_gallery)
    _record(listing.id, action, actor, listing.status, target, reason)
    # After the row's update, which holds it until commit: a listing's events are queued in move order.
    queue_listing_event(action, listing.id)
    if target == S.APPROVED and listing.status != S.APPROVED:
        # On the showcase (again): the search alerts are matched by the job, after the commit.
        queue_alert_match(listing.id)
    after = Listing.get_by_id(listing.id)
    for photo_id in _photos_in_use(listing, gallery_before) - _photos_in_use(after, gallery_after):
        _delete_photo_later(photo_id)
    return after


# ---------------------------------------------------------------- moves


def put_up_for_sale(user, line_id, data, photo=None, form_token=None, photos=None):
    """Create a listing On moderation from a line of the user's own Completed order.

    `photos` are `ProcessedImage`s (already checked and re-encoded), the first the main
    one, at most MAX_PHOTOS; `photo` is one of them (the same as `photos=[photo]`).
    `form_token` identifies the submitted form: a second submit of the same form
    raises `DuplicateSubmission` instead of making a second listing.
    """
    fields = data.cleaned()
    images = list(photos or []) + ([photo] if photo else [])
    if len(images) > MAX_PHOTOS:
        raise too_many_photos()
    token = (form_token or "")[:MAX_TOKEN] or None
    if token and FormSubmission.listing_for(user, token):
        # The common retry, answered before any file is written; the index below decides races.
        raise DuplicateSubmission()
    try:
        return _put_up(user, line_id, fields, images, token)
    except IntegrityError:
        if token and FormSubmission.select().where(FormSubmission.token == token).exists():
            raise DuplicateSubmission() from None
        raise


def _put_up(user, line_id, fields, images, token):
    with _staged(images, user) as staged, write_transaction():
        line = _lock_line(line_id)
        if line is None:
            raise ListingStateError(_("This order line does not exist."), kind=NOT_FOUND)
        if line.order.user_id != user.id:
            raise ListingStateError(_("This is not your order."), kind=FORBIDDEN)
        refuse_if_blocked(user)
        if token and FormSubmission.listing_for(user, token):
            # A twin submit that waited for the line's lock: it is a retry, not "nothing left".
            raise DuplicateSubmission()
        if line.order.status != OrderStatus.COMPLETED:
            raise ListingStateError(_("Only items of completed orders can be put up for sale."))
        _check_quantity_left(line, fields["quantity"])
        photo_ids = staged.create_rows() if staged else []
        listing = Listing.create(
            owner=user.id,
            order_line=line.id,
            photo=photo_ids[0] if photo_ids else None,
            status=S.MODERATION,
            **fields,
        )
        _write_gallery(listing.id, photo_ids)
        _record(listing.id, PUT_UP, user, None, S.MODERATION)
        queue_listing_event(PUT_UP, listing.id)
        if token:
            # In the listing's transaction: two submits of one form can't both commit.
            FormSubmission.create(token=token, user=user.id, listing=listing.id)
    return listing


def approve(actor, listing_id, seen_version=None):
    """Moderator: put a listing on the showcase."""
    with write_transaction():
        listing = _move(
            "approve",
            listing_id,
            actor,
            seen_version=seen_version,
            changes={"published_at": utcnow(), "decline_reason": None},
        )
        notify(listing.owner, NotificationKind.APPROVED, listing)
    return listing


def decline(actor, listing_id, reason, seen_version=None):
    """Moderator: send a listing back to its owner with a reason."""
    reason = clean_reason(reason, required=True)
    with write_transaction():
        listing = _move(
            "decline", listing_id, actor, seen_version=seen_version, reason=reason, changes={"decline_reason": reason}
        )
        close_reports(actor, listing.id)
        notify(listing.owner, NotificationKind.DECLINED, listing, reason=reason)
    return listing


def remove(actor, listing_id, seen_version=None, reason=None):
    """Moderator: take a listing off for good, with an optional reason the owner is shown."""
    reason = clean_reason(reason, required=False) or None
    with write_transaction():
        listing = _move(
            "remove", listing_id, actor, seen_version=seen_version, reason=reason, changes={"decline_reason": reason}
        )
        close_reports(actor, listing.id)
        notify(listing.owner, NotificationKind.REMOVED, listing, reason=reason)
    return listing


def mark_sold(user, listing_id, seen_version=None, quantity_sold=None):
    """Owner: Product was sold, `quantity_sold` units of it (None: all of them).

    All of them: Sold, final. Fewer: the `sell_part` move lowers the quantity and
    leaves the status as it is. Either way the sold units stay counted against
    the order line (the listing keeps them: Sold, or the quantity left plus the
    `sell_part` events), so they can't be listed again.
    """
    with write_transaction():
        listing = _load(listing_id, owner=user)
        if quantity_sold is None:
            quantity_sold = listing.quantity
        if isinstance(quantity_sold, bool) or not isinstance(quantity_sold, int) or quantity_sold < 1:
            raise ListingInputError(_("Say how many were sold: a whole number, at least 1."), field="quantity_sold")
        if quantity_sold > listing.quantity:
            raise _more_than_listed(listing)
        if quantity_sold == listing.quantity:
            return _move("sell", listing_id, user, seen_version=seen_version)
        return _move(
            "sell_part",
            listing_id,
            user,
            seen_version=seen_version,
            reason=_sold_note(quantity_sold),
            prepare=_sell_part(quantity_sold),
        )


def _more_than_listed(listing):
    return ListingInputError(_("Only %(quantity)s are listed.", quantity=listing.quantity), field="quantity_sold")


def _sold_note(quantity_sold):
    # Kept in the event in the app's language: the log's reader may be any moderator.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("%(count)s sold", count=quantity_sold)


def _sell_part(quantity_sold):
    """`prepare` for a partial sale: the quantity goes down (checked on the row as it is now),
    and so does the approved snapshot's, so selling units is not a change a moderator must see."""

    def prepare(listing):
        if quantity_sold >= listing.quantity:
            raise _more_than_listed(listing)
        changes = {"quantity": listing.quantity - quantity_sold, "sold_quantity": listing.units_sold + quantity_sold}
        approved = approved_snapshot(listing)
        if approved is not None:
            approved["quantity"] = max(approved["quantity"] - quantity_sold, 1)
            changes["approved_snapshot"] = json.dumps(approved)
        return changes

    return prepare


def reopen(listing_id, reason, actor=None):
    """Send an approved listing back to moderation (e.g. after repeated reports)."""
    with write_transaction():
        listing = _move("reopen", listing_id, actor, reason=reason)
        notify(listing.owner, NotificationKind.REOPENED, listing, reason=reason)
    return listing


def revoke(listing_id, reason):
    """The app: take a listing off sale for good because its order left Completed."""
    with write_transaction():
        listing = _move("revoke", listing_id, None, reason=reason)
        notify(listing.owner, NotificationKind.WITHDRAWN, listing, reason=reason)
    return listing


def withdraw(user, listing_id, seen_version=None):
    """Owner: Take off sale. Not public, not final; its units stay counted against the line."""
    with write_transaction():
        return _move("withdraw", listing_id, user, seen_version=seen_version)


def put_back(user, listing_id, seen_version=None):
    """Owner: Put back on sale. Approved again when nothing changed since the last approval
    (and it was Approved when taken off), else On moderation."""
    with write_transaction():
        return _move("put_back", listing_id, user, seen_version=seen_version, changes={"decline_reason": None})


def renew(user, listing_id, seen_version=None):
    """Owner: Renew an Expired listing for another LISTING_DAYS (moderation only if it changed)."""
    with write_transaction():
        return _move("renew", listing_id, user, seen_version=seen_version)


def expire(listing_id, seen_version=None):
    """The app: an Approved listing's LISTING_DAYS are over; its owner is told."""
    with write_transaction():
        listing = _move("expire", listing_id, None, seen_version=seen_version)
        notify(listing.owner, NotificationKind.EXPIRED, listing)
    return listing


def _edit_changes(fields, photo_changes, staged):
    """`prepare` for the edits: the quantity checked under the line's lock, the photos'
    new order with the new ones' rows (at most MAX_PHOTOS, checked before a row is made)."""

    def prepare(listing):
        if fields["quantity"] != listing.quantity:
            _check_quantity_left(_lock_line(listing.order_line_id), fields["quantity"], editing=listing)
        changes = dict(fields)
        current = ListingPhoto.ids_of(listing)
        gallery = _new_gallery(current, photo_changes, [0] * len(photo_changes.add))
        if len(gallery) > MAX_PHOTOS:
            raise too_many_photos()
        gallery = _new_gallery(current, photo_changes, staged.create_rows() if staged else [])
        if gallery != current:
            changes["photos"] = gallery
        return changes

    return prepare


def edit_listing(user, listing_id, data, seen_version=None, photo=None, photos=None):
    """Owner: change a listing. It goes (back) to moderation and leaves the showcase.

    `photos` is a `PhotoChanges` (add, remove, order); `photo` one new image that
    replaces the main photo. Changing the photos is an edit like any other.
    """
    fields = data.cleaned()
    changes = PhotoChanges.of(photos if photos is not None else photo)
    with _staged(changes.add, user) as staged, write_transaction():
        return _move(
            "edit",
            listing_id,
            user,
            seen_version=seen_version,
            changes={"decline_reason": None},
            prepare=_edit_changes(fields, changes, staged),
        )


def admin_edit(admin, listing_id, data, seen_version=None, photo=None, photos=None):
    """Moderator: correct a listing without sending it back to moderation (logged)."""
    _require_moderator(admin)
    fields = data.cleaned()
    changes = PhotoChanges.of(photos if photos is not None else photo)
    with _staged(changes.add, admin) as staged, write_transaction():
        return _move(
            "admin_edit",
            listing_id,
            admin,
            seen_version=seen_version,
            prepare=_edit_changes(fields, changes, staged),
        )


# ---------------------------------------------------------------- blocking a customer


class BlockError(DomainError):
    """Blocking or unblocking refused (an admin, already blocked, not blocked)."""


def block_customer(admin, user_id, reason):
    """Moderator: block a customer from the flea market; return how many listings it took off.

    Their Approved listings go to Declined through the `block` move, with the
    block's reason for the owner to read; `unblock_customer` brings back exactly
    those. While blocked, the customer is refused every seller and commenter
    door (`users.refuse_if_blocked`) and none of their listings can be approved.
    """
    _require_moderator(admin)
    reason = clean_reason(reason, required=True)
    with write_transaction():
        user = User.get_or_none(User.id == user_id)
        if user is None:
            raise BlockError(_("This user does not exist."), kind=NOT_FOUND)
        if user.has_role("admin"):
            raise BlockError(_("An admin can't be blocked."), kind=FORBIDDEN)
        changed = (
            User.update(blocked_at=utcnow(), block_reason=reason)
            .where((User.id == user.id) & User.blocked_at.is_null())
            .execute()
        )
        if changed != 1:
            raise BlockError(_("%(name)s is already blocked.", name=user.display_name))
        approved = Listing.select(Listing.id).where((Listing.owner == user.id) & (Listing.status == S.APPROVED))
        taken = 0
        for (listing_id,) in approved.tuples():
            _move("block", listing_id, admin, reason=reason, changes={"decline_reason": reason})
            taken += 1
    return taken


def taken_by_block(user_id):
    """Ids of the user's listings that are Declined by the block (their latest event is `block`)."""
    declined = list(
        Listing.select(Listing.id).where((Listing.owner == user_id) & (Listing.status == S.DECLINED)).tuples()
    )
    if not declined:
        return []
    latest = {}
    events = (
        ModerationEvent.select(ModerationEvent.listing, ModerationEvent.action)
        .where(ModerationEvent.listing.in_([i for (i,) in declined]))
        .order_by(ModerationEvent.id)
        .tuples()
    )
    for listing_id, action in events:
        latest[listing_id] = action
    return sorted(i for i, action in latest.items() if action == "block")


def unblock_customer(admin, user_id):
    """Moderator: lift the block; the listings it took are Approved again, no moderation needed
    (the owner could not change them meanwhile). Return how many came back."""
    _require_moderator(admin)
    with write_transaction():
        user = User.get_or_none(User.id == user_id)
        if user is None:
            raise BlockError(_("This user does not exist."), kind=NOT_FOUND)
        changed = (
            User.update(blocked_at=None, block_reason=None)
            .where((User.id == user.id) & User.blocked_at.is_null(False))
            .execute()
        )
        if changed != 1:
            raise BlockError(_("%(name)s is not blocked.", name=user.display_name))
        restored = 0
        for listing_id in taken_by_block(user.id):
            _move("unblock", listing_id, admin, changes={"decline_reason": None})
            restored += 1
    return restored


def close_reports(actor, listing_id):
    """A moderator acted on the listing: its open reports are dealt with."""
    from .reports import close_reports_acted

    return close_reports_acted(actor, listing_id)
