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
from flask_wtf.file import MultipleFileField
from wtforms import Field, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from models.lifecycle import PhotoChanges
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
    MAX_PHOTOS,
    PhotoError,
    PhotoStorageError,
    discard_staged,
    load_staged,
    process_image,
    stage_photo,
    staged_meta,
)


def parse_ids(values):
    """Photo ids from a form's values (each may hold several, comma-separated); junk is dropped,
    so a made-up value is simply no id (the lifecycle ignores ids that are not the listing's)."""
    ids = []
    for value in values or []:
        for part in str(value).split(","):
            part = part.strip()
            if part.isdigit() and len(part) < 12 and int(part) not in ids:
                ids.append(int(part))
    return ids


class PhotoIdsField(Field):
    """A repeatable field of photo ids (`remove_photo`): every value sent, as ints."""

    def process_formdata(self, valuelist):
        self.data = parse_ids(valuelist)

    def _value(self):
        return ",".join(str(i) for i in self.data or [])


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
    photo = MultipleFileField(
        _l("Photos"),
        description=_l(
            "Up to %(max)s photos: JPEG, PNG, WebP or GIF, up to 10 MB each. The first is the main photo.",
            max=MAX_PHOTOS,
        ),
        # static/js/app.js checks the size before the upload starts; static/js/photos.js the count.
        render_kw={
            "multiple": True,
            "data-max-bytes": MAX_BYTES,
            "data-too-large": _l("The photo is larger than 10 MB. Choose a smaller file."),
            "data-max-files": MAX_PHOTOS,
            "data-too-many": _l("Choose up to %(max)s photos.", max=MAX_PHOTOS),
            "data-preview": "",
        },
    )
    # The edit form's current photos: those to take off, and their order (ids, the first is the main one).
    remove_photo = PhotoIdsField()
    photo_order = HiddenField()
    # The version the user saw: a change made meanwhile by someone else is not overwritten.
    version = HiddenField()
    # Photos chosen on an earlier, refused submit of this form (see models.photos.stage_photo):
    # their tokens, separated by spaces.
    staged_photo = HiddenField()
    # Random per rendered form: the same form sent twice makes one listing.
    form_token = HiddenField(default=lambda: secrets.token_urlsafe(24))

    # The photos of this submit, checked and re-encoded, in the order chosen.
    processed_photos = ()
    # (token, filename) of the photos kept from an earlier submit (shown on the form).
    kept_photos = ()

    @property
    def processed_photo(self):
        """The first photo of this submit, or None (callers that take one photo)."""
        return self.processed_photos[0] if self.processed_photos else None

    @property
    def kept_photo_name(self):
        return self.kept_photos[0][1] if self.kept_photos else None

    def _user_id(self):
        return current_user.id if current_user and current_user.is_authenticated else None

    def _tokens(self):
        return (self.staged_photo.data or "").split()

    def validate_photo(self, field):
        uploads = [upload for upload in field.data or [] if upload and getattr(upload, "filename", None)]
        if not uploads:
            self._use_staged()
            return
        if len(uploads) > MAX_PHOTOS:
            raise ValidationError(_l("Choose up to %(max)s photos.", max=MAX_PHOTOS))
        processed = []
        for upload in uploads:
            try:
                processed.append(process_image(upload.read(), upload.filename))
            except PhotoError as exc:
                if len(uploads) == 1:
                    raise ValidationError(str(exc)) from None
                # Which of several files it is.
                raise ValidationError(
                    _l("%(name)s: %(problem)s", name=_display_name(upload.filename), problem=str(exc))
                ) from None
        self.processed_photos = processed
        # Newly chosen photos replace those kept from before.
        self._drop_staged()
        self.upload_names = [_display_name(upload.filename) for upload in uploads]

    def _use_staged(self):
        tokens = self._tokens()
        if not tokens:
            return
        kept = [load_staged(token, self._user_id()) for token in tokens[:MAX_PHOTOS]]
        usable = [photo for photo in kept if photo is not None]
        if len(usable) != len(tokens):
            # Forged, expired or someone else's: never fall back silently to fewer photos.
            self.staged_photo.data = " ".join(photo.token for photo in usable)
            raise ValidationError(_l("The photo you chose before is no longer kept. Choose it again."))
        self.processed_photos = [photo.processed for photo in usable]
        self.kept_photos = [(photo.token, photo.filename) for photo in usable]

    def _drop_staged(self):
        for token in self._tokens():
            discard_staged(token, self._user_id())
        self.staged_photo.data = ""

    def keep_photo(self):
        """After a refusal: keep the chosen photos for the next submit (the form then says so)."""
        if self.staged_photo.data:
            # Still the photos of an earlier submit (newly chosen ones were refused, say): name them.
            if not self.kept_photos:
                kept = []
                for token in self._tokens():
                    meta = staged_meta(token, self._user_id())
                    if meta:
                        kept.append((token, meta["filename"]))
                self.kept_photos = kept
                self.staged_photo.data = " ".join(token for token, _name in kept)
            return
        if not self.processed_photos:
            return
        names = getattr(self, "upload_names", None) or []
        kept = []
        for n, processed in enumerate(self.processed_photos):
            name = names[n] if n < len(names) else "photo"
            try:
                kept.append((stage_photo(processed, self._user_id(), name), name))
            except PhotoStorageError as exc:
                for token, _name in kept:
                    discard_staged(token, self._user_id())
                if exc.message not in (self.photo.errors or []):
                    self.apply_domain_error(exc)
                return
        self.kept_photos = kept
        self.staged_photo.data = " ".join(token for token, _name in kept)

    def photo_used(self):
        """After a successful save: the kept photos are now the listing's own; remove the staged copies."""
        self._drop_staged()

    def photo_changes(self):
        """What this submit does to the listing's photos (lifecycle.PhotoChanges)."""
        return PhotoChanges(
            add=list(self.processed_photos),
            remove=list(self.remove_photo.data or []),
            order=parse_ids([self.photo_order.data]),
        )

    def current_photos(self, photos):
        """The listing's current `photos` as this form shows them: [(photo, removed)] in the
        form's order (`photo_order`; photos it doesn't name keep their place after)."""
        by_id = {photo.id: photo for photo in photos}
        order = [i for i in parse_ids([self.photo_order.data]) if i in by_id]
        order += [photo.id for photo in photos if photo.id not in order]
        removed = set(self.remove_photo.data or [])
        return [(by_id[i], i in removed) for i in order]

    def move_photo(self, photos, move):
        """The no-JavaScript order buttons: `move` is "up-<id>" or "down-<id>"; the form's
        `photo_order` changes (nothing is saved until the form is)."""
        direction, _sep, raw = (move or "").partition("-")
        order = [photo.id for photo, _removed in self.current_photos(photos)]
        if not raw.isdigit() or int(raw) not in order or direction not in ("up", "down"):
            return False
        n = order.index(int(raw))
        m = n - 1 if direction == "up" else n + 1
        if 0 <= m < len(order):
            order[n], order[m] = order[m], order[n]
        self.photo_order.data = ",".join(str(i) for i in order)
        return True

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


def _display_name(filename):
    return os.path.basename((filename or "").replace("\\", "/"))[:120] or "photo"


class EmptyForm(FlaskForm):
    """A POST-only button: carries the CSRF token and the version the user saw."""

    version = HiddenField()

    def seen_version(self):
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None
