"""What the API sends back (the bodies it reads are `models.connector`'s schemas)."""

import datetime as dt

from marshmallow import Schema, fields, validate

from models.catalog import MAX_QUERY
from models.connector import decimal_string
from models.listing_json import iso_time


class UtcDateTime(fields.DateTime):
    """A stored (naive UTC) time as ISO 8601 in UTC to the second, `2026-12-02T10:00:00Z`: the
    events' format (`models.listing_json.iso_time`). A string is already one (a listing document)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None or isinstance(value, str):
            return value
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return iso_time(value)


def _nullable_string(**kw):
    return fields.String(allow_none=True, required=True, **kw)


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True)


class CustomerOut(Schema):
    external_id = fields.String(required=True)
    email = fields.String(required=True)
    login = fields.String(required=True, attribute="username")
    name = _nullable_string(attribute="full_name")
    language = _nullable_string(attribute="locale")
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True, allow_none=True)


class ProductOut(Schema):
    external_id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    price = decimal_string(required=True)
    url = _nullable_string()
    photo_url = _nullable_string()
    thumbnail_url = _nullable_string()
    updated_at = UtcDateTime(required=True, allow_none=True)


class LineOut(Schema):
    external_id = fields.String(required=True)
    product = fields.String(required=True)
    quantity = fields.Integer(required=True)
    price = decimal_string(required=True)
    listed = fields.Integer(required=True, metadata={"description": "units of this line in listings, any status"})


class OrderOut(Schema):
    external_id = fields.String(required=True)
    customer = fields.String(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    placed_at = UtcDateTime(required=True)
    completed_at = UtcDateTime(required=True, allow_none=True)
    updated_at = UtcDateTime(required=True, allow_none=True)
    lines = fields.List(fields.Nested(LineOut), required=True)


class LoginLinkIn(Schema):
    next = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class LoginLinkOut(Schema):
    url = fields.String(required=True)
    expires_at = UtcDateTime(required=True)


class ListingOut(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    name = fields.String(required=True)
    price = decimal_string(required=True)
    currency = fields.String(required=True)
    quantity = fields.Integer(required=True)
    photo_url = _nullable_string()
    thumbnail_url = _nullable_string()
    photos = fields.List(
        fields.String(), required=True, metadata={"description": "the seller's photos (full size), main first"}
    )
    published_at = UtcDateTime(required=True, allow_none=True)
    product = _nullable_string(metadata={"description": "the product's external_id"})


class ListingPage(Schema):
    listings = fields.List(fields.Nested(ListingOut), required=True)
    page = fields.Integer(required=True)
    has_next = fields.Boolean(required=True)


class ListingQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    q = fields.String(load_default="", validate=validate.Length(max=MAX_QUERY))
    product = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
