"""The customer's personal area: orders, putting lines up for sale, own listings, notifications."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user

from models import Listing, ListingStatus, Notification, Order, OrderLine, Photo, Product, lifecycle
from models.errors import INVALID, DomainError
from models.listings import galleries, listed_quantities
from models.photos import staged_file
from models.submissions import DuplicateSubmission
from models.users import CustomerBlocked
from web.forms import EmptyForm, ListingForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
@auth_required()
def require_login():
    """Every page here is personal: anonymous visitors are sent to the login page."""
    if current_user.is_blocked and request.method == "GET":
        # Said up front; the domain refuses the forms themselves (`users.refuse_if_blocked`).
        flash(CustomerBlocked(current_user.block_reason).message, "warning")


@bp.get("/orders/")
def orders():
    """Every order of the customer, with its lines' product names."""
    orders = list(Order.of_user(current_user))
    lines = (
        OrderLine.select(OrderLine, Order, Product)
        .join(Order)
        .switch(OrderLine)
        .join(Product)
        .where(Order.user == current_user.id)
        .order_by(OrderLine.id)
    )
    by_order = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    return render_template("account/orders.html", orders=orders, lines_by_order=by_order, tab="all")


def _completed_context(forms=None, open_line=None):
    lines = list(OrderLine.sellable_for(current_user))
    line_ids = [line.id for line in lines]
    listings_by_line = {}
    if line_ids:
        for listing in (
            Listing.select().where(Listing.order_line.in_(line_ids)).order_by(Listing.created_at, Listing.id)
        ):
            listings_by_line.setdefault(listing.order_line_id, []).append(listing)
    listed = listed_quantities(line_ids)
    photo_ids = {line.product.photo_id for line in lines if line.product.photo_id}
    photos = {p.id: p for p in Photo.select().where(Photo.id.in_(list(photo_ids)))} if photo_ids else {}
    forms = forms or {}
    rows = []
    for line in lines:
        left = line.quantity - listed.get(line.id, 0)
        form = forms.get(line.id)
        if form is None and left > 0:
            form = ListingForm(
                formdata=None,
                data={
                    "name": line.product.name,
                    "description": line.product.description,
                    "price": f"{line.price:.2f}",
                    "quantity": left,
                },
            )
        if form is not None:
            form.scoped(f"sell-{line.id}")
        rows.append(
            {
                "line": line,
                "left": left,
                "listings": listings_by_line.get(line.id, []),
                "form": form,
                "photo": photos.get(line.product.photo_id),
            }
        )
    return {"rows": rows, "open_line": open_line, "tab": "completed"}


@bp.get("/orders/completed")
def completed():
    """Each line of each completed order, with its listings and a Put up for sale form."""
    return render_template("account/completed.html", **_completed_context())


@bp.post("/orders/lines/<int:line_id>/sell")
def put_up(line_id):
    """Put (part of) a completed order line up for sale."""
    # Someone else's line is refused before the upload is even read.
    lifecycle.sellable_line(current_user, line_id)
    form = ListingForm()
    if form.validate_on_submit():
        try:
            lifecycle.put_up_for_sale(
                current_user,
                line_id,
                form.listing_data(),
                photos=form.processed_photos,
                form_token=form.form_token.data,
            )
        except DuplicateSubmission as exc:
            # A retry or a double click: the first submit made the listing.
            form.photo_used()
            flash(exc.message, "info")
            return redirect(url_for("account.my_items"))
        except DomainError as exc:
            if exc.kind != INVALID:
                raise
            form.apply_domain_error(exc)
        else:
            form.photo_used()
            flash(_("Your listing is on moderation. We will let you know when it is approved."), "success")
            return redirect(url_for("account.my_items"))
    # The chosen photo survives the refusal: the form says so and carries its token.
    form.keep_photo()
    context = _completed_context(forms={line_id: form}, open_line=line_id)
    return render_template("account/completed.html", **context), 422


# The owner's buttons that change only the status (labels in my_items.html), in this order.
STATE_MOVES = ("withdraw", "put_back", "renew")


def _my_items_context(forms=None, open_listing=None, sold_errors=None):
    listings = list(Listing.owned_by(current_user))
    photos = galleries(listings)
    forms = forms or {}
    rows = []
    for listing in listings:
        # The owner's buttons are the owner's moves of the lifecycle's table for this status.
        moves = set(lifecycle.moves_for(listing, lifecycle.OWNER))
        editable = "edit" in moves
        form = forms.get(listing.id)
        if form is None and editable:
            form = ListingForm(
                formdata=None,
                data={
                    "name": listing.name,
                    "description": listing.description,
                    "price": f"{listing.price:.2f}",
                    "quantity": listing.quantity,
                    "version": listing.version,
                    "photo_order": ",".join(str(photo.id) for photo in photos[listing.id]),
                },
            )
        if form is not None:
            form.scoped(f"edit-{listing.id}")
        rows.append(
            {
                "listing": listing,
                "form": form,
                # The edit form's current photos: [(photo, ticked for removal)] in the form's order.
                "photos": form.current_photos(photos[listing.id]) if form is not None else [],
                "editable": editable,
                "can_sell": "sell" in moves,
                # Take off sale, Put back on sale, Renew: one plain POST each.
                "buttons": [move for move in STATE_MOVES if move in moves],
            }
        )
    return {
        "rows": rows,
        "open_listing": open_listing,
        "sold_form": EmptyForm(),
        "sold_errors": sold_errors or {},
    }


@bp.get("/pristroy/")
def my_items():
    """My items for sale: every own listing with its status, edit form and Product was sold."""
    return render_template("account/my_items.html", **_my_items_context())


@bp.post("/pristroy/<int:listing_id>/edit")
def edit(listing_id):
    """Save an edit; the listing goes back to moderation."""
    listing = lifecycle.own_listing(current_user, listing_id)
    form = ListingForm()
    move = request.form.get("photo_move")
    if move and not form.validate_on_submit() and form.csrf_token.errors:
        move = None  # refused below like any form without its token
    if move:
        # A Move up / Move down button (without JavaScript): the form comes back in the new
        # order with everything typed and chosen kept; nothing is saved yet.
        form.move_photo(galleries([listing])[listing.id], move)
        for field in form:
            field.errors = []
        form.form_errors = []
        form.keep_photo()
        context = _my_items_context(forms={listing_id: form}, open_listing=listing_id)
        return render_template("account/my_items.html", photo_moved=listing_id, **context)
    if form.validate_on_submit():
        try:
            lifecycle.edit_listing(
                current_user,
                listing_id,
                form.listing_data(),
                seen_version=form.seen_version(),
                photos=form.photo_changes(),
            )
        except DomainError as exc:
            if exc.kind != INVALID:
                raise
            form.apply_domain_error(exc)
        else:
            form.photo_used()
            flash(
                _("Saved. The listing is on moderation again and will be back on the showcase once approved."),
                "success",
            )
            return redirect(url_for("account.my_items"))
    form.keep_photo()
    context = _my_items_context(forms={listing_id: form}, open_listing=listing_id)
    return render_template("account/my_items.html", **context), 422


@bp.get("/kept-photo/<token>")
def kept_photo(token):
    """The preview of a photo kept from a refused form; only its uploader gets it."""
    path, content_type = staged_file(token, current_user.id)
    if path is None:
        abort(404)
    try:
        response = send_file(path, mimetype=content_type, max_age=0)
    except OSError:
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _quantity_sold(text):
    """The form's `quantity_sold`: empty is all of them (None); anything but a whole number is 0,
    which the lifecycle refuses with the field's message."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 7 else 0


@bp.post("/pristroy/<int:listing_id>/sold")
def sold(listing_id):
    """Product was sold: all of the units (Sold, final) or some (the quantity goes down)."""
    lifecycle.own_listing(current_user, listing_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    quantity_sold = _quantity_sold(request.form.get("quantity_sold"))
    try:
        listing = lifecycle.mark_sold(
            current_user, listing_id, seen_version=form.seen_version(), quantity_sold=quantity_sold
        )
    except DomainError as exc:
        if exc.kind != INVALID:
            raise
        if exc.field == "quantity_sold":
            # Said next to the field, in the dialog opened again.
            errors = {listing_id: {"message": exc.message, "value": request.form.get("quantity_sold", "")}}
            return render_template("account/my_items.html", **_my_items_context(sold_errors=errors)), 422
        flash(exc.message, "danger")
    else:
        if listing.status == ListingStatus.SOLD:
            flash(_("“%(name)s” is marked as sold. Congratulations!", name=listing.name), "success")
        else:
            flash(
                _(
                    "Sold %(sold)s of “%(name)s”; %(left)s stay listed.",
                    sold=quantity_sold,
                    name=listing.name,
                    left=listing.quantity,
                ),
                "success",
            )
    return redirect(url_for("account.my_items"))


_STATE_MOVE_FUNCTIONS = {"withdraw": lifecycle.withdraw, "put_back": lifecycle.put_back, "renew": lifecycle.renew}


@bp.post("/pristroy/<int:listing_id>/<any(withdraw, put_back, renew):move>")
def change_state(listing_id, move):
    """Take off sale, Put back on sale, Renew: a move of the lifecycle's table, nothing else changes."""
    lifecycle.own_listing(current_user, listing_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        listing = _STATE_MOVE_FUNCTIONS[move](current_user, listing_id, seen_version=form.seen_version())
    except DomainError as exc:
        if exc.kind != INVALID:
            raise
        flash(exc.message, "danger")
    else:
        if listing.status == ListingStatus.WITHDRAWN:
            flash(_("“%(name)s” is off sale. Put it back on sale whenever you like.", name=listing.name), "success")
        elif listing.status == ListingStatus.APPROVED:
            flash(_("“%(name)s” is on the showcase again.", name=listing.name), "success")
        else:
            flash(
                _("“%(name)s” changed since it was approved, so it is on moderation first.", name=listing.name),
                "info",
            )
    return redirect(url_for("account.my_items"))


@bp.get("/notifications")
def notifications():
    """Notifications, newest first; opening the page marks them read."""
    items = list(Notification.for_user(current_user).limit(200))
    unread_ids = {n.id for n in items if n.read_at is None}
    Notification.mark_all_read(current_user)
    return render_template("account/notifications.html", items=items, unread_ids=unread_ids)
