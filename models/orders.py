"""The e-store substrate the flea market plugs into: products, orders and their lines."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField

from .db import BaseModel
from .photos import Photo
from .search import RefreshingUpdate, refresh_search_text
from .users import User, utcnow


class OrderStatus:
    NEW = "new"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    LABELS = {
        NEW: _l("New"),
        PAID: _l("Paid"),
        SHIPPED: _l("Shipped"),
        COMPLETED: _l("Completed"),
        CANCELLED: _l("Cancelled"),
    }


class Product(BaseModel):
    name = CharField(max_length=200)
    description = TextField(default="")
    price = DecimalField(max_digits=12, decimal_places=2)
    photo = ForeignKeyField(Photo, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    # The store's own id, its product page and when the API last changed it (models.connector).
    external_id = CharField(max_length=100, unique=True, null=True)
    url = CharField(max_length=500, null=True)
    updated_at = DateTimeField(null=True)
    # SHA-256 of the image bytes the store last sent: the same photo again changes nothing.
    photo_sha256 = CharField(max_length=64, null=True)

    # Its name is among the search words of its listings (models.search).
    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        refresh_search_text(product_ids=[self.id])
        return result

    @classmethod
    def update(cls, __data=None, **update):
        return RefreshingUpdate(cls, cls._normalize_data(__data, update), {"name"}, by_product=True)


class Order(BaseModel):
    user = ForeignKeyField(User, backref="orders", on_delete="CASCADE")
    number = CharField(max_length=32, unique=True)
    status = CharField(max_length=16, default=OrderStatus.NEW, index=True)
    created_at = DateTimeField(default=utcnow)
    completed_at = DateTimeField(null=True)
    external_id = CharField(max_length=100, unique=True, null=True)
    updated_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "created_at"), False),)

    @property
    def status_label(self):
        return OrderStatus.LABELS.get(self.status, self.status)

    @classmethod
    def of_user(cls, user):
        """The user's orders, newest first."""
        return cls.select().where(cls.user == user.id).order_by(cls.created_at.desc(), cls.id.desc())


class OrderLine(BaseModel):
    order = ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product, on_delete="RESTRICT")
    price = DecimalField(max_digits=12, decimal_places=2)  # what the customer paid per unit
    quantity = IntegerField()
    external_id = CharField(max_length=100, unique=True, null=True)

    @property
    def total(self):
        return (self.price or Decimal(0)) * self.quantity

    @classmethod
    def sellable_for(cls, user):
        """Lines of the user's Completed orders, with their order and product joined."""
        return (
            cls.select(cls, Order, Product)
            .join(Order)
            .switch(cls)
            .join(Product)
            .where((Order.user == user.id) & (Order.status == OrderStatus.COMPLETED))
            .order_by(Order.completed_at.desc(), Order.id.desc(), cls.id)
        )
