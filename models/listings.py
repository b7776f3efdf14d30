"""Listings: a customer's offer to resell units of a completed order line."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import JOIN, SQL, CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField, fn

from ._sql import CompiledQuery
from .db import BaseModel
from .orders import Order, OrderLine, Product
from .photos import Photo, PhotoName
from .search import RefreshingUpdate, search_words
from .users import User, utcnow


class ListingStatus:
    MODERATION = "moderation"
    APPROVED = "approved"
    DECLINED = "declined"
    # Taken off sale by its owner, or past its LISTING_DAYS: not public, not final, and its
    # units stay counted against the order line (like every listing's, whatever its status).
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    REMOVED = "removed"
    SOLD = "sold"

    ALL = (MODERATION, APPROVED, DECLINED, WITHDRAWN, EXPIRED, REMOVED, SOLD)
    # Sold and Removed are final: nothing moves a listing out of them.
    FINAL = (REMOVED, SOLD)

    @staticmethod
    def is_public(status):
        """The one rule of what visitors may see: Approved listings."""
        return status == ListingStatus.APPROVED

    LABELS = {
        MODERATION: _l("On moderation"),
        APPROVED: _l("Approved"),
        DECLINED: _l("Declined"),
        WITHDRAWN: _l("Withdrawn"),
        EXPIRED: _l("Expired"),
        REMOVED: _l("Removed"),
        SOLD: _l("Sold"),
    }


class Listing(BaseModel):
    """A listing. Its `status` is written only by `models.lifecycle`."""

    owner = ForeignKeyField(User, backref="listings", on_delete="CASCADE")
    order_line = ForeignKeyField(OrderLine, backref="listings", on_delete="RESTRICT")
    name = CharField(max_length=200)
    description = TextField()
    price = DecimalField(max_digits=12, decimal_places=2, auto_round=False)
    quantity = IntegerField()
    photo = ForeignKeyField(Photo, null=True, on_delete="SET NULL")
    status = CharField(max_length=16, default=ListingStatus.MODERATION)
    decline_reason = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # When it was last approved: the showcase's "newest first" order.
    published_at = DateTimeField(null=True)
    # Bumped by every change; a move made on a stale version is refused.
    version = IntegerField(default=1)
    # JSON of the fields as last approved, so a moderator can see what an edit changed.
    approved_snapshot = TextField(null=True)
    # An Approved listing expires at this time (LISTING_DAYS after its approval or renewal);
    # the owner is reminded once before it, and `expiry_reminded_at` says that happened.
    expires_at = DateTimeField(null=True)
    expiry_reminded_at = DateTimeField(null=True)
    # Units sold by partial sales (Product was sold, fewer than all): still counted against
    # the order line. Null is none (a column added to a filled table).
    sold_quantity = IntegerField(null=True)
    # The normalised words of name, description and the product's name (models.search);
    # nullable, so the migration could add it in place.
    search_text = TextField(null=True)

    class Meta:
        indexes = (
            (("status", "published_at", "id"), False),  # showcase, newest first
            (("status", "price", "id"), False),  # showcase sorted by price
            (("owner", "created_at"), False),  # "My items for sale"
            (("status", "created_at"), False),  # admin list, filter by status
            (("order_line",), False),  # quantity left on a line
            (("photo",), False),
            (("status", "expires_at"), False),  # the expiry job's due listings
        )

    def save(self, *args, **kwargs):
        from .orders import OrderLine, Product

        product = Product.select(Product.name).join(OrderLine).where(OrderLine.id == self.order_line_id).scalar()
        self.search_text = search_words(self.name, self.description, product)
        return super().save(*args, **kwargs)

    @classmethod
    def update(cls, __data=None, **update):
        # Writing the name or the description (or the line) recomputes the search words.
        return RefreshingUpdate(
            cls, cls._normalize_data(__data, update), {"name", "description", "order_line"}, by_product=False
        )

    @property
    def status_label(self):
        return ListingStatus.LABELS.get(self.status, self.status)

    @property
    def is_public(self):
        return ListingStatus.is_public(self.status)

    @property
    def reason_shown(self):
        """The moderator's reason, while the listing is declined or removed (an edit clears it)."""
        shown = (ListingStatus.DECLINED, ListingStatus.REMOVED)
        return self.decline_reason if self.status in shown else None

    @property
    def units_sold(self):
        return self.sold_quantity or 0

    @property
    def units_counted(self):
        """Units of the order line this listing takes: those still listed and those sold."""
        return self.quantity + self.units_sold

    @property
    def is_final(self):
        return self.status in ListingStatus.FINAL

    @classmethod
    def with_related(cls):
        """Listings with owner, photo, order line, order and product, in one query."""
        from .orders import Product

        product_photo = Photo.alias("product_photo")
        return (
            cls.select(cls, User, Photo, OrderLine, Order, Product, product_photo)
            .join(User, on=(cls.owner == User.id))
            .switch(cls)
            .join(Photo, JOIN.LEFT_OUTER, on=(cls.photo == Photo.id))
            .switch(cls)
            .join(OrderLine, on=(cls.order_line == OrderLine.id))
            .join(Order, on=(OrderLine.order == Order.id))
            .switch(OrderLine)
            .join(Product, on=(OrderLine.product == Product.id))
            .join(product_photo, JOIN.LEFT_OUTER, on=(Product.photo == product_photo.id), attr="product_photo")
        )

    @classmethod
    def public_condition(cls):
        """The one definition of "public": Approved. Every public query filters by this, and
        SQLite's search index holds these rows only (models.search: its triggers say the same)."""
        return cls.status == ListingStatus.APPROVED

    @classmethod
    def public(cls):
        """Public listings with everything a page shows of them."""
        return cls.with_related().where(cls.public_condition())

    @classmethod
    def get_with_related(cls, listing_id):
        """One listing with everything its page shows, or None (SQL compiled once)."""
        rows = _with_related_by_id(int(listing_id))
        return rows[0] if rows else None

    @classmethod
    def page_rows(cls, ids):
        """These listings with everything a list page shows, in the order of `ids`, whatever
        their status: one query (SQL compiled once per number of ids)."""
        ids = [int(i) for i in ids]
        if not ids:
            return []
        by_id = {listing.id: listing for listing in _with_related_by_ids(ids)}
        return [by_id[i] for i in ids if i in by_id]

    @classmethod
    def admin_rows(cls, ids):
        """The admin list's rows (`AdminRow`) of these listings, in the order of `ids`, whatever
        their status: one lean query, its SQL compiled once per number of ids.

        Only the columns the list shows, read as named rows: building seven model
        instances per row (`page_rows`) was a third of the page's time.
        """
        ids = [int(i) for i in ids]
        if not ids:
            return []
        by_id = {}
        for row in _admin_rows(ids):
            # With its size, so the list can link the smallest WebP copy (Photo.webp_sizes).
            if row.own_stem:
                photo = PhotoName(row.own_stem, row.own_ext, row.own_width, row.own_height)
            elif row.product_stem:
                photo = PhotoName(row.product_stem, row.product_ext, row.product_width, row.product_height)
            else:
                photo = None
            by_id[row.id] = AdminRow(
                id=row.id,
                name=row.name,
                status=row.status,
                version=row.version,
                price=Decimal(str(row.price)),
                quantity=row.quantity,
                created_at=row.created_at,
                updated_at=row.updated_at,
                owner_name=row.username or row.email.split("@", 1)[0],  # User.display_name
                order_number=row.number,
                shown_photo=photo,
                approved_snapshot=row.approved_snapshot,
            )
        return [by_id[i] for i in ids if i in by_id]

    def visible_to(self, user):
        """Whether `user` may see this listing's page: anyone while it is public; its owner
        and admins whatever the status."""
        if self.is_public:
            return True
        return bool(user is not None and user.is_authenticated and (self.owner_id == user.id or user.has_role("admin")))

    @classmethod
    def owned_by(cls, user):
        return cls.with_related().where(cls.owner == user.id).order_by(cls.created_at.desc(), cls.id.desc())

    @property
    def shown_photo(self):
        """The seller's photo, else the product's."""
        if self.photo_id:
            return self.photo
        product = self.order_line.product
        return getattr(product, "product_photo", None) if product.photo_id else None


class ListingPhoto(BaseModel):
    """One photo of a listing's gallery; the lowest `position` is the main photo, which
    `Listing.photo` repeats so that cards, the showcase and sharing tags read it in their join.
    Written only by `models.lifecycle`."""

    listing = ForeignKeyField(Listing, backref="gallery", on_delete="CASCADE")
    photo = ForeignKeyField(Photo, on_delete="CASCADE")
    position = IntegerField()

    class Meta:
        indexes = (
            (("listing", "photo"), True),
            (("photo",), False),  # is a photo still in use, is it public
        )

    @classmethod
    def ids_of(cls, listing):
        """The listing's photo ids in order, main first. A listing whose gallery was never
        written (made before it existed, or bulk-inserted) has its main photo alone."""
        ids = [
            photo_id
            for (photo_id,) in cls.select(cls.photo).where(cls.listing == listing.id).order_by(cls.position).tuples()
        ]
        if not ids and listing.photo_id:
            ids = [listing.photo_id]
        return ids

    @classmethod
    def photos_of(cls, listing):
        """The listing's Photo rows in order, main first: one query."""
        rows = _photos_of(listing.id)
        if not rows and listing.photo_id:
            rows = [listing.photo]
        return rows


def galleries(listings):
    """{listing id: its Photo rows in order, main first} for these listings: one query."""
    by_listing = {listing.id: [] for listing in listings}
    if by_listing:
        rows = (
            ListingPhoto.select(ListingPhoto.listing, Photo)
            .join(Photo, on=(ListingPhoto.photo == Photo.id))
            .where(ListingPhoto.listing.in_(list(by_listing)))
            .order_by(ListingPhoto.listing, ListingPhoto.position)
        )
        for row in rows:
            by_listing[row.listing_id].append(row.photo)
    for listing in listings:
        if not by_listing[listing.id] and listing.photo_id:
            by_listing[listing.id] = [listing.photo]
    return by_listing


def photo_in_use(photo_id):
    """Whether anything still shows the photo: a listing (main or gallery) or a product.

    The one list of what references a photo; a photo is deleted only when this is False.
    """
    return (
        Listing.select().where(Listing.photo == photo_id).exists()
        or ListingPhoto.select().where(ListingPhoto.photo == photo_id).exists()
        or Product.select().where(Product.photo == photo_id).exists()
    )


@dataclass(slots=True)
class AdminRow:
    """One row of the admin's Pristroy list: what its columns and buttons show."""

    id: int
    name: str
    status: str
    version: int
    price: Decimal
    quantity: int
    created_at: datetime
    updated_at: datetime
    owner_name: str
    order_number: str
    shown_photo: PhotoName | None
    approved_snapshot: str | None  # the JSON text: the list only tests whether there is one
    open_reports: int = 0

    @property
    def status_label(self):
        return ListingStatus.LABELS.get(self.status, self.status)


def _admin_rows_query(ids):
    from .orders import Product

    product_photo = Photo.alias("product_photo")
    return (
        Listing.select(
            Listing.id,
            Listing.name,
            Listing.status,
            Listing.version,
            Listing.price,
            Listing.quantity,
            Listing.created_at,
            Listing.updated_at,
            Listing.approved_snapshot,
            User.username,
            User.email,
            Order.number,
            Photo.stem.alias("own_stem"),
            Photo.ext.alias("own_ext"),
            Photo.width.alias("own_width"),
            Photo.height.alias("own_height"),
            product_photo.stem.alias("product_stem"),
            product_photo.ext.alias("product_ext"),
            product_photo.width.alias("product_width"),
            product_photo.height.alias("product_height"),
        )
        .join(User, on=(Listing.owner == User.id))
        .switch(Listing)
        .join(Photo, JOIN.LEFT_OUTER, on=(Listing.photo == Photo.id))
        .switch(Listing)
        .join(OrderLine, on=(Listing.order_line == OrderLine.id))
        .join(Order, on=(OrderLine.order == Order.id))
        .switch(OrderLine)
        .join(Product, on=(OrderLine.product == Product.id))
        .join(product_photo, JOIN.LEFT_OUTER, on=(Product.photo == product_photo.id))
        .where(Listing.id.in_(ids))
        .namedtuples()
    )


_admin_rows = CompiledQuery(_admin_rows_query)
_with_related_by_id = CompiledQuery(lambda listing_id: Listing.with_related().where(Listing.id == listing_id))
_with_related_by_ids = CompiledQuery(lambda ids: Listing.with_related().where(Listing.id.in_(ids)))
_photos_of = CompiledQuery(
    lambda listing_id: (
        Photo.select(Photo)
        .join(ListingPhoto, on=(ListingPhoto.photo == Photo.id))
        .where(ListingPhoto.listing == listing_id)
        .order_by(ListingPhoto.position)
    )
)


def listed_quantities(line_ids):
    """Units already listed (or sold) per order line, whatever the listings' status."""
    if not line_ids:
        return {}
    rows = (
        Listing.select(
            Listing.order_line, fn.SUM(Listing.quantity + fn.COALESCE(Listing.sold_quantity, 0)).alias("listed")
        )
        .where(Listing.order_line.in_(list(line_ids)))
        .group_by(Listing.order_line)
        .tuples()
    )
    return {line_id: int(listed) for line_id, listed in rows}


# The admin's list shows listings waiting for moderation first, then the newest.
# Ordering by an expression made the database sort the whole table for every page;
# a generated column (kept by the database, never written by the app) and an index
# on it let it read a page straight from the index.
QUEUE_RANK = SQL("queue_rank")


def create_queue_rank():
    """Add the generated `queue_rank` column and its index if missing (safe to repeat)."""
    from .db import database, is_postgres

    rank = "CASE WHEN status = 'moderation' THEN 0 ELSE 1 END"
    if is_postgres():
        database().execute_sql(
            f'ALTER TABLE "listing" ADD COLUMN IF NOT EXISTS queue_rank integer GENERATED ALWAYS AS ({rank}) STORED'
        )
    else:
        columns = {row[1] for row in database().execute_sql('PRAGMA table_xinfo("listing")')}
        if "queue_rank" not in columns:
            database().execute_sql(
                f'ALTER TABLE "listing" ADD COLUMN queue_rank INTEGER GENERATED ALWAYS AS ({rank}) VIRTUAL'
            )
    database().execute_sql(
        'CREATE INDEX IF NOT EXISTS "listing_queue" ON "listing" (queue_rank, created_at DESC, id DESC)'
    )
