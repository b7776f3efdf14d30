"""The store connector's rules: customers, products (and photos) and orders pushed by the store.

Each upsert is keyed by the store's `external_id` and returns (row, result) with
result CREATED, UPDATED or UNCHANGED. A body equal to what is stored writes
nothing (no row, no `updated_at`). The row is found or inserted inside one write
transaction; two requests inserting the same `external_id` at once are decided
by the column's unique index: the loser's insert fails in a savepoint and it
updates the winner's row instead, so there is always exactly one row.

The schemas here are the one definition of a valid body: the API validates with
them (and documents them in its OpenAPI document) and `import` does too.
"""

import datetime as dt
import hashlib
import secrets
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from peewee import SQL, Field, ForeignKeyField, IntegrityError, fn

from . import lifecycle
from .db import after_commit, database, is_postgres, write_transaction
from .errors import CONFLICT, NOT_FOUND, DomainError
from .listings import Listing, ListingStatus, listed_quantities, photo_in_use
from .orders import Order, OrderLine, OrderStatus, Product
from .photos import Photo, PhotoError, StagedPhoto, delete_photo, process_image
from .text import has_control
from .users import User, utcnow

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

PRICE_MAX = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)


def _one_line(value):
    if value is not None and has_control(value):
        raise ValidationError(_("Control characters are not allowed here."))


def _lines(value):
    if value is not None and has_control(value, multiline=True):
        raise ValidationError(_("Control characters are not allowed here."))


EXTERNAL_ID = dict(required=True, validate=[validate.Length(min=1, max=100), _one_line])
# The listing statuses an order's return takes off sale (Sold and Removed are final anyway).
# The listings `revoke` takes off for good when their order leaves Completed.
OPEN_STATUSES = (
    ListingStatus.MODERATION,
    ListingStatus.APPROVED,
    ListingStatus.DECLINED,
    ListingStatus.WITHDRAWN,
    ListingStatus.EXPIRED,
)


class ConnectorError(DomainError):
    """A body that breaks a rule: 422 with `field`, or CONFLICT (409)."""


def _price_in_range(value):
    if not Decimal(0) <= value <= PRICE_MAX:
        raise ValidationError(_("Must be from 0 to %(max)s.", max=PRICE_MAX))


def decimal_string(**kw):
    """A price as a decimal string ("1500.00"); the document says so (apispec would say number)."""
    metadata = {"type": "string", "example": "1500.00", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$"}
    return fields.Decimal(as_string=True, places=2, metadata=metadata, **kw)


def _price():
    # A function rather than validate.Range, whose bounds the document would write as strings.
    return decimal_string(required=True, validate=_price_in_range)


class CustomerIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=255))
    login = fields.String(
        required=True, validate=[validate.Length(min=3, max=32), validate.Regexp(r"^[^\s@]+$"), _one_line]
    )
    name = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), _one_line])
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["en", "ru"]))


class ProductIn(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), _one_line])
    description = fields.String(load_default="", allow_none=True, validate=[validate.Length(max=20000), _lines])
    price = _price()
    url = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=500))


class LineIn(Schema):
    external_id = fields.String(**EXTERNAL_ID)
    product = fields.String(**EXTERNAL_ID)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100000))
    price = _price()


class OrderIn(Schema):
    customer = fields.String(**EXTERNAL_ID)
    number = fields.String(required=True, validate=[validate.Length(min=1, max=32), _one_line])
    status = fields.String(required=True, validate=validate.OneOf(list(OrderStatus.LABELS)))
    placed_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    completed_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=dt.UTC)
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=1000))

    @validates_schema
    def _distinct_lines(self, data, **kwargs):
        seen = [line["external_id"] for line in data.get("lines", [])]
        if len(seen) != len(set(seen)):
            raise ValidationError(_("Each line's external_id must be different."), field_name="lines")


def naive_utc(value):
    """An aware time as the naive UTC the database stores (see models.users.utcnow)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def validation_fields(error):
    """A marshmallow ValidationError as {"field.path": "message"}."""
    flat = {}

    def walk(prefix, messages):
        if isinstance(messages, dict):
            for key, value in messages.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
            flat[prefix or "body"] = " ".join(messages)
        elif isinstance(messages, list):
            for index, value in enumerate(messages):
                walk(f"{prefix}.{index}", value)
        else:
            flat[prefix or "body"] = str(messages)

    walk("", error.messages)
    return flat


# ---------------------------------------------------------------- the one upsert


class _Prepared:
    """A select whose SQL peewee builds once per database kind and argument shape.

    peewee builds a query's SQL anew on every run, and for the upserts' small
    lookups that costs more than SQLite takes to answer: most of a back-fill's
    time. `build` gets marker strings (or lists of them) in the arguments' places;
    each call runs the built SQL with the real values there, and returns tuples.
    """

    def __init__(self, build):
        self.build = build
        self._built = {}

    def __call__(self, *args):
        shape = tuple(len(a) if isinstance(a, list) else None for a in args)
        key = (type(database()), is_postgres(), shape)
        if key not in self._built:
            markers = [
                [f"\x00{i}.{j}" for j in range(size)] if size is not None else f"\x00{i}"
                for i, size in enumerate(shape)
            ]
            query = self.build(*markers)
            sql, params = query.sql()
            places = []
            for value in params:
                position, _dot, index = value[1:].partition(".")
                places.append((int(position), int(index) if index else None))
            # What peewee would do to each column's value (text to datetime on SQLite...).
            convert = [node.python_value if isinstance(node, Field) else None for node in query._returning]
            self._built[key] = (sql, places, convert)
        sql, places, convert = self._built[key]
        values = [args[p] if i is None else args[p][i] for p, i in places]
        cursor = database().execute_sql(sql, values)
        return [tuple(c(v) if c and v is not None else v for c, v in zip(convert, row, strict=True)) for row in cursor]


def _locked(query):
    return query.for_update() if is_postgres() else query


_customer_id = _Prepared(lambda ext: User.select(User.id).where(User.external_id == ext))
_product_ids = _Prepared(
    lambda exts: Product.select(Product.id, Product.external_id).where(Product.external_id.in_(exts))
)
_order_row = _Prepared(
    lambda ext: _locked(
        Order.select(Order.id, Order.user, Order.number, Order.status, Order.created_at, Order.completed_at).where(
            Order.external_id == ext
        )
    )
)
_line_rows = _Prepared(
    lambda order_id: _locked(
        Order.select(OrderLine.id, OrderLine.external_id, OrderLine.product, OrderLine.quantity, OrderLine.price)
        .from_(OrderLine)
        .where(OrderLine.order == order_id)
        .order_by(OrderLine.id)
    )
)
_listed = _Prepared(
    lambda line_ids: (
        # Units sold by partial sales still hold the line.
        Listing.select(Listing.order_line, fn.SUM(Listing.quantity + fn.COALESCE(Listing.sold_quantity, SQL("0"))))
        .where(Listing.order_line.in_(line_ids))
        .group_by(Listing.order_line)
    )
)


def _find(model, external_id, names=None):
    """The row with this external_id (locked on PostgreSQL), reading only the id and `names` if given.

    Building a query's SQL is most of an upsert's cost (peewee builds it anew each
    time): the fewer columns, the cheaper a back-fill of 100,000 orders.
    """
    if names is None:
        return _locked(model.select().where(model.external_id == external_id)).get_or_none()
    names = ("id", *names)
    key = (model, names)
    if key not in _FINDERS:
        columns = [model._meta.fields[name] for name in names]
        _FINDERS[key] = _Prepared(lambda ext: _locked(model.select(*columns).where(model.external_id == ext)))
    rows = _FINDERS[key](external_id)
    return model(**dict(zip(names, rows[0], strict=True))) if rows else None


_FINDERS = {}


def _current(row, name):
    field = row._meta.fields[name]
    # A foreign key is compared by its id, without loading the row it points to.
    return getattr(row, field.object_id_name) if isinstance(field, ForeignKeyField) else getattr(row, name)


def _changes(row, values):
    return {name: value for name, value in values.items() if _current(row, name) != value}


def _upsert(model, external_id, values, on_conflict, row=None, new_only=None):
    """(row, CREATED | UPDATED | UNCHANGED) in the current write transaction.

    `row` is the row already found with `_find` (None: look it up); `new_only` are
    values for a new row only. The row returned holds the id and `values` only.
    """
    row = row or _find(model, external_id, values)
    if row is None:
        try:
            with database().atomic():  # a savepoint: a lost race rolls back only the insert
                row = model.create(external_id=external_id, updated_at=utcnow(), **values, **(new_only or {}))
            return row, CREATED
        except IntegrityError:
            row = _find(model, external_id, values)
            if row is None:  # another unique column (an email, a number) is taken
                raise ConnectorError(on_conflict, kind=CONFLICT) from None
    changes = _changes(row, values)
    if not changes:
        return row, UNCHANGED
    changes["updated_at"] = utcnow()
    try:
        with database().atomic():
            model.update(changes).where(model.id == row.id).execute()
    except IntegrityError:
        raise ConnectorError(on_conflict, kind=CONFLICT) from None
    for name, value in changes.items():
        setattr(row, name, value)
    return row, UPDATED


# ---------------------------------------------------------------- customers


def upsert_customer(external_id, data):
    """A store customer: a user without a password (they come in by a sign-in link)."""
    values = {
        "email": data["email"].strip(),
        "username": data["login"].strip(),
        "full_name": data.get("name"),
        "locale": data.get("language"),
    }
    with write_transaction():
        row = _find(User, external_id, values)
        if row is None:
            # A user who registered on the site before the store connected keeps their account.
            adopted = User.update(external_id=external_id).where(
                (User.email == values["email"]) & User.external_id.is_null()
            )
            if adopted.execute():
                row = _find(User, external_id, values)
        return _upsert(
            User,
            external_id,
            values,
            _l("This email or login belongs to another account."),
            row=row,
            new_only={"fs_uniquifier": secrets.token_hex(16)},
        )


def customer(external_id):
    """The store customer with this external_id, or a 404 refusal."""
    user = User.get_or_none(User.external_id == external_id)
    if user is None:
        raise ConnectorError(_("There is no customer with this external_id."), kind=NOT_FOUND)
    return user


# ---------------------------------------------------------------- products


def upsert_product(external_id, data):
    values = {
        "name": data["name"].strip(),
        "description": data.get("description") or "",
        "price": data["price"],
        "url": data.get("url"),
    }
    with write_transaction():
        return _upsert(Product, external_id, values, _l("This product could not be saved."))


def product(external_id):
    row = Product.get_or_none(Product.external_id == external_id)
    if row is None:
        raise ConnectorError(_("There is no product with this external_id."), kind=NOT_FOUND)
    return row


def set_product_photo(external_id, data):
    """The product's photo from the image bytes, through the upload pipeline: (product, result)."""
    row = product(external_id)
    digest = hashlib.sha256(data).hexdigest()
    if row.photo_sha256 == digest and row.photo_id:
        return row, UNCHANGED
    try:
        processed = process_image(data)
    except PhotoError as exc:
        raise ConnectorError(str(exc), field="photo") from None
    with StagedPhoto(processed) as staged, write_transaction():
        row = _find(Product, external_id)
        old_photo = row.photo_id
        photo = staged.create_row()
        Product.update(photo=photo.id, photo_sha256=digest, updated_at=utcnow()).where(Product.id == row.id).execute()
        if old_photo:
            after_commit(lambda: _delete_if_unused(old_photo))
    return Product.get_by_id(row.id), UPDATED


def _delete_if_unused(photo_id):
    photo = Photo.get_or_none(Photo.id == photo_id)
    if photo is not None and not photo_in_use(photo_id):
        delete_photo(photo)


# ---------------------------------------------------------------- orders


def upsert_order(external_id, data):
    """An order and its lines, all or nothing.

    An order that leaves Completed takes its lines' open listings off sale (the
    lifecycle's `revoke`, the owners are told why); a line can't shrink below
    what its listings hold, and a line with listings can't be dropped (409).
    """
    with write_transaction():
        found = _customer_id(data["customer"])
        if not found:
            raise ConnectorError(_("There is no customer with this external_id."), field="customer")
        user_id = found[0][0]
        products = {
            external: product_id
            for product_id, external in _product_ids(sorted({line["product"] for line in data["lines"]}))
        }
        for index, line in enumerate(data["lines"]):
            if line["product"] not in products:
                raise ConnectorError(
                    _("There is no product with the external_id %(id)s.", id=line["product"]),
                    field=f"lines.{index}.product",
                )
        rows = _order_row(external_id)
        before = Order(**dict(zip(("id", *ORDER_FIELDS), rows[0], strict=True))) if rows else None
        was_completed = before is not None and before.status == OrderStatus.COMPLETED
        status = data["status"]
        completed_at = naive_utc(data.get("completed_at"))
        if status == OrderStatus.COMPLETED and completed_at is None:
            completed_at = before.completed_at if before is not None and before.completed_at else utcnow()
        values = {
            "user": user_id,
            "number": data["number"],
            "status": status,
            "created_at": naive_utc(data["placed_at"]),
            "completed_at": completed_at,
        }
        order, result = _upsert(Order, external_id, values, _l("Another order has this number."), row=before)
        lines_changed = _sync_lines(order, data["lines"], products)
        if was_completed and status != OrderStatus.COMPLETED:
            _revoke_listings(order)
        if result == UNCHANGED and lines_changed:
            Order.update(updated_at=utcnow()).where(Order.id == order.id).execute()
            result = UPDATED
    return order, result


ORDER_FIELDS = ("user", "number", "status", "created_at", "completed_at")


LINE_FIELDS = ("id", "external_id", "product", "quantity", "price")


def _locked_lines(order):
    lines = (OrderLine(**dict(zip(LINE_FIELDS, row, strict=True))) for row in _line_rows(order.id))
    return {line.external_id: line for line in lines}


def _sync_lines(order, body_lines, products):
    """Make the order's lines those of the body; whether anything changed."""
    existing = _locked_lines(order) if order.id is not None else {}
    listed = dict(_listed([line.id for line in existing.values()])) if existing else {}
    changed = False
    for index, line in enumerate(body_lines):
        values = {"product": products[line["product"]], "quantity": line["quantity"], "price": line["price"]}
        row = existing.pop(line["external_id"], None)
        if row is None:
            try:
                # No savepoint of its own: a line that fails fails the whole order anyway.
                _insert_line(order.id, line["external_id"], values)
            except IntegrityError:
                raise ConnectorError(
                    _("This line's external_id belongs to another order."), field=f"lines.{index}.external_id"
                ) from None
            changed = True
            continue
        held = listed.get(row.id, 0)
        if line["quantity"] < held:
            raise ConnectorError(_quantity_message(held), field=f"lines.{index}.quantity", kind=CONFLICT)
        current = {"product": row.product_id, "quantity": row.quantity, "price": row.price}
        if current != values:
            OrderLine.update(values).where(OrderLine.id == row.id).execute()
            changed = True
    for external_id, row in existing.items():
        held = listed.get(row.id, 0)
        if held:
            raise ConnectorError(
                _("The line %(id)s can't be dropped: ", id=external_id) + _quantity_message(held),
                field="lines",
                kind=CONFLICT,
            )
        OrderLine.delete().where(OrderLine.id == row.id).execute()
        changed = True
    return changed


_LINE_COLUMNS = (OrderLine.order, OrderLine.external_id, OrderLine.product, OrderLine.quantity, OrderLine.price)


def _insert_line(order_id, external_id, values):
    """INSERT one order line with SQL written once (peewee's insert builder was a back-fill's next cost)."""
    row = (order_id, external_id, values["product"], values["quantity"], values["price"])
    columns = ", ".join(f'"{field.column_name}"' for field in _LINE_COLUMNS)
    marks = ", ".join([database().param] * len(_LINE_COLUMNS))
    database().execute_sql(
        f'INSERT INTO "{OrderLine._meta.table_name}" ({columns}) VALUES ({marks})',
        [field.db_value(value) for field, value in zip(_LINE_COLUMNS, row, strict=True)],
    )


def _quantity_message(held):
    return _(
        "%(count)s items of this line are listed for sale, so its quantity can't be lower than %(count)s.",
        count=held,
    )


def _revoke_listings(order):
    """Take every open listing of the order's lines off sale, each owner told why in their language."""
    listings = (
        Listing.select(Listing, User)
        .join(User, on=(Listing.owner == User.id))
        .switch(Listing)
        .join(OrderLine, on=(Listing.order_line == OrderLine.id))
        .where((OrderLine.order == order.id) & Listing.status.in_(OPEN_STATUSES))
        .order_by(Listing.id)
    )
    for listing in listings:
        with force_locale(listing.owner.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            reason = _("The store took this order back (a return or a cancellation), so its items can't be resold.")
        lifecycle.revoke(listing.id, reason)


def order(external_id):
    """The order with this external_id and its customer, or None."""
    return Order.select(Order, User).join(User).where(Order.external_id == external_id).get_or_none()


def order_lines(order):
    """The order's lines with their product's external_id and the units listed of each."""
    lines = list(
        OrderLine.select(OrderLine, Product).join(Product).where(OrderLine.order == order.id).order_by(OrderLine.id)
    )
    listed = listed_quantities([line.id for line in lines])
    return [(line, listed.get(line.id, 0)) for line in lines]
