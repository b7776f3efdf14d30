"""Forms shared by the customer pages and the admin, so validation is the same everywhere.

Forms check the shape of the input; the lifecycle checks the rules (quantity
left on the order line, who may do what) and its errors are put back on the
fields by `apply_domain_error`.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from models.listing_input import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_QUANTITY,
    ListingData,
    ListingInputError,
    parse_price,
)
from models.photos import PhotoError, process_image


def _price_shape(form, field):
    try:
        field.parsed = parse_price(field.data)
    except ListingInputError as exc:
        raise ValidationError(exc.message) from None


class ListingForm(FlaskForm):
    """Put up for sale and edit: name, description, price, quantity, photo."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=MAX_NAME)])
    description = TextAreaField(
        _l("Description"),
        description=_l("Describe the item and say how buyers can reach you (phone, email, Telegram)."),
        validators=[
            DataRequired(_l("Describe the item and say how to contact you.")),
            Length(max=MAX_DESCRIPTION),
        ],
    )
    price = StringField(_l("Price"), validators=[InputRequired(_l("Enter a price.")), _price_shape])
    quantity = IntegerField(
        _l("Quantity"),
        validators=[
            InputRequired(_l("Enter a whole number of items.")),
            NumberRange(min=1, max=MAX_QUANTITY, message=_l("Enter a quantity from 1 to %(max)s.")),
        ],
    )
    photo = FileField(_l("Photo"), description=_l("JPEG, PNG, WebP or GIF, up to 10 MB."))
    # The version the user saw: a change made meanwhile by someone else is not overwritten.
    version = HiddenField()

    processed_photo = None

    def validate_photo(self, field):
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            return
        try:
            self.processed_photo = process_image(upload.read(), upload.filename)
        except PhotoError as exc:
            raise ValidationError(str(exc)) from None

    def scoped(self, prefix):
        """Give the fields ids of their own (names stay as the contract says), so that
        several forms on one page, one per modal, each have working labels."""
        for field in self:
            field.id = f"{prefix}-{field.short_name}"
        return self

    def listing_data(self):
        return ListingData(
            name=self.name.data,
            description=self.description.data,
            price=self.price.data,
            quantity=self.quantity.data,
        )

    def seen_version(self):
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    def apply_domain_error(self, error):
        """Show a lifecycle refusal next to its field (or above the form)."""
        field = getattr(self, error.field, None) if error.field else None
        if field is not None:
            field.errors = list(field.errors or []) + [error.message]
        else:
            self.form_errors.append(error.message)


class EmptyForm(FlaskForm):
    """A POST-only button: carries the CSRF token and the version the user saw."""

    version = HiddenField()

    def seen_version(self):
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None
