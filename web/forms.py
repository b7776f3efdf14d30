"""Forms shared by the customer pages and the admin, so validation is the same everywhere.

Forms check the shape of the input; the lifecycle checks the rules (quantity
left on the order line, who may do what) and its errors are put back on the
fields by `apply_domain_error`.
"""

import os
import secrets

from flask_babel import lazy_gettext as _l
from flask_security import current_user
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
from models.photos import (
    MAX_BYTES,
    PhotoError,
    PhotoStorageError,
    discard_staged,
    load_staged,
    process_image,
    stage_photo,
    staged_meta,
)


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
    photo = FileField(
        _l("Photo"),
        description=_l("JPEG, PNG, WebP or GIF, up to 10 MB."),
        # static/js/app.js checks the size before the upload starts.
        render_kw={
            "data-max-bytes": MAX_BYTES,
            "data-too-large": _l("The photo is larger than 10 MB. Choose a smaller file."),
        },
    )
    # The version the user saw: a change made meanwhile by someone else is not overwritten.
    version = HiddenField()
    # A photo chosen on an earlier, refused submit of this form (see models.photos.stage_photo).
    staged_photo = HiddenField()
    # Random per rendered form: the same form sent twice makes one listing.
    form_token = HiddenField(default=lambda: secrets.token_urlsafe(24))

    processed_photo = None
    # The name of the photo kept from an earlier submit (shown on the form), if any.
    kept_photo_name = None

    def _user_id(self):
        return current_user.id if current_user and current_user.is_authenticated else None

    def validate_photo(self, field):
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            self._use_staged()
            return
        try:
            self.processed_photo = process_image(upload.read(), upload.filename)
        except PhotoError as exc:
            raise ValidationError(str(exc)) from None
        # A newly chosen photo replaces the one kept from before.
        self._drop_staged()
        self.upload_name = upload.filename

    def _use_staged(self):
        token = self.staged_photo.data
        if not token:
            return
        kept = load_staged(token, self._user_id())
        if kept is None:
            # Forged, expired or someone else's: never fall back silently to no photo.
            self.staged_photo.data = ""
            raise ValidationError(_l("The photo you chose before is no longer kept. Choose it again."))
        self.processed_photo = kept.processed
        self.kept_photo_name = kept.filename

    def _drop_staged(self):
        if self.staged_photo.data:
            discard_staged(self.staged_photo.data, self._user_id())
            self.staged_photo.data = ""

    def keep_photo(self):
        """After a refusal: keep the chosen photo for the next submit (the form then says so)."""
        if self.staged_photo.data:
            # Still the photo of an earlier submit (a newly chosen one was refused, say): name it.
            if self.kept_photo_name is None:
                meta = staged_meta(self.staged_photo.data, self._user_id())
                self.kept_photo_name = meta["filename"] if meta else None
                self.staged_photo.data = self.staged_photo.data if meta else ""
            return
        if self.processed_photo is None:
            return
        name = os.path.basename((getattr(self, "upload_name", None) or "").replace("\\", "/"))[:120] or "photo"
        try:
            self.staged_photo.data = stage_photo(self.processed_photo, self._user_id(), name)
        except PhotoStorageError as exc:
            if exc.message not in (self.photo.errors or []):
                self.apply_domain_error(exc)
            return
        self.kept_photo_name = name

    def photo_used(self):
        """After a successful save: the kept photo is now the listing's own; remove the staged copy."""
        self._drop_staged()

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
