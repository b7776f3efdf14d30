"""What a seller or a moderator types for a listing, checked and normalised.

The lifecycle takes a `ListingData` and asks it for `cleaned()` fields before any
move; forms use the same limits and `parse_price`, so a field is judged the same
way on every door. A refusal is a `ListingInputError` naming its field.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from .errors import DomainError
from .text import TextError, clean_text

MAX_PRICE = Decimal("99999999.99")
MAX_QUANTITY = 10000
MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_REASON = 1000
PRICE_RE = re.compile(r"^\d{1,8}(?:[.,]\d{1,2})?$")


class ListingInputError(DomainError):
    """A field of a listing (or a moderator's reason) that can't be accepted."""

    def __init__(self, message, field):
        super().__init__(message, field=field)


def parse_price(value):
    """A positive amount with at most two decimals, or ListingInputError."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ListingInputError(_("Enter a price such as 1500 or 1499.90."), field="price")
        text = format(value, "f")
    else:
        text = str(value or "").strip()
    if not PRICE_RE.match(text):
        raise ListingInputError(_("Enter a price such as 1500 or 1499.90."), field="price")
    try:
        price = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ListingInputError(_("Enter a price such as 1500 or 1499.90."), field="price") from None
    if price <= 0:
        raise ListingInputError(_("The price must be more than zero."), field="price")
    if price > MAX_PRICE:
        raise ListingInputError(_("The price is too large."), field="price")
    return price.quantize(Decimal("0.01"))


def clean_field(value, max_length, field, too_long, multiline=False):
    """`value` as the text rule wants it (models.text), or ListingInputError on `field`."""
    try:
        return clean_text(value, max_length, multiline=multiline)
    except TextError as exc:
        if str(exc) == "length":
            raise ListingInputError(too_long, field=field) from None
        raise ListingInputError(_("Remove the invisible control characters from this text."), field=field) from None


def clean_reason(reason, required):
    """A moderator's reason: multi-line, bounded; required for a decline."""
    reason = clean_field(reason, MAX_REASON, "reason", _("The reason is too long (1,000 characters at most)."), True)
    if required and not reason:
        raise ListingInputError(_("Give a reason for declining."), field="reason")
    return reason or None


@dataclass
class ListingData:
    """What a seller (or an admin) can set on a listing."""

    name: str
    description: str
    price: object
    quantity: int

    def cleaned(self):
        """{name, description, price, quantity} checked and normalised, or ListingInputError."""
        name = clean_field(self.name, MAX_NAME, "name", _("The name is too long."))
        description = clean_field(
            self.description, MAX_DESCRIPTION, "description", _("The description is too long."), multiline=True
        )
        if not name:
            raise ListingInputError(_("Enter a name."), field="name")
        if not description:
            raise ListingInputError(_("Describe the item and say how to contact you."), field="description")
        try:
            quantity = int(self.quantity)
        except (TypeError, ValueError):
            raise ListingInputError(_("Enter a whole number of items."), field="quantity") from None
        if quantity < 1:
            raise ListingInputError(_("The quantity must be at least 1."), field="quantity")
        if quantity > MAX_QUANTITY:
            raise ListingInputError(_("The quantity is too large."), field="quantity")
        return {
            "name": name,
            "description": description,
            "price": parse_price(self.price),
            "quantity": quantity,
        }
