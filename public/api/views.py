"""The API's endpoints: read the request, call `models.connector` or `models.catalog`, answer."""

import hashlib

from flask import abort, current_app, request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from models import api_keys, catalog, connector, signin_links
from models.listing_json import SiteUrls, listing_document
from models.listings import ListingStatus, galleries
from web.errors import api_error
from web.extensions import limiter
from web.i18n import safe_next
from web.urls import absolute_url, photo_url

from .schemas import (
    CustomerOut,
    ListingOut,
    ListingPage,
    ListingQuery,
    LoginLinkIn,
    LoginLinkOut,
    OrderOut,
    ProductOut,
)

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1", description="The store connector (API v1)")

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# Endpoints anyone may call; every other one needs `Authorization: Bearer KEY`.
OPEN_ENDPOINTS = {"api_v1.listings", "api_v1.listing"}
# Endpoints whose body may be left out (the sign-in link's `next` is optional).
BODY_OPTIONAL = {"api_v1.login_link"}
KEYED = [{"bearer": []}]


def _client():
    """Whom the rate limit counts: the key's public part, else the address."""
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if key:
        return "api-key:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return "api-addr:" + (request.remote_addr or "")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_client)(bp)


@bp.before_request
def _check_request():
    """Authentication and JSON, before any view (or webargs) reads the body (its limit: see Request)."""
    endpoint = request.endpoint
    photo = endpoint == "api_v1.product_photo"
    if endpoint not in OPEN_ENDPOINTS:
        header = request.headers.get("Authorization", "")
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or api_keys.authenticate(key.strip()) is None:
            return api_error(
                401,
                _("Send a valid API key: Authorization: Bearer KEY."),
                headers={"WWW-Authenticate": "Bearer"},
            )
    if request.method in ("PUT", "POST") and not photo:
        data = request.get_data(cache=True)
        if not data and endpoint in BODY_OPTIONAL:
            return None
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return api_error(400, _("The body must be a JSON object, sent with Content-Type: application/json."))
    return None


def _http_error(exc):
    """Every HTTP error of the blueprint (webargs' 422 included) in the contract's shape."""
    fields = {}
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    for location in messages.values():
        fields.update(connector.validation_fields(ValidationError(location)))
    if exc.code == 422:
        message = _("Some fields are missing or not valid.")
    else:
        message = exc.description
    return api_error(exc.code, message, fields)


# By code as well as by class: Flask prefers the app's handler for a code (web.errors'
# pages) over a blueprint's handler for a class.
for _code in (400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429):
    bp.register_error_handler(_code, _http_error)
bp.register_error_handler(HTTPException, _http_error)


def _status(result):
    return 201 if result == connector.CREATED else 200


# ---------------------------------------------------------------- customers


@bp.route("/customers/<string:external_id>", endpoint="customers")
class Customers(MethodView):
    @bp.doc(security=KEYED)
    @bp.arguments(connector.CustomerIn)
    @bp.response(200, CustomerOut, description="updated or unchanged")
    @bp.alt_response(201, schema=CustomerOut, description="created")
    @bp.alt_response(409, schema="Error", description="the email or login belongs to another account")
    def put(self, data, external_id):
        """Create or update a customer (no password: they come in by a sign-in link)."""
        _row, result = connector.upsert_customer(external_id, data)
        return connector.customer(external_id), _status(result)


@bp.route("/customers/<string:external_id>/login-link", endpoint="login_link")
class LoginLink(MethodView):
    @bp.doc(security=KEYED)
    @bp.arguments(LoginLinkIn, required=False)
    @bp.response(200, LoginLinkOut)
    @bp.alt_response(404, schema="Error", description="no customer with this external_id")
    def post(self, data, external_id):
        """A one-time sign-in link for the customer, valid 15 minutes, landing on `next`."""
        user = connector.customer(external_id)
        next_path = (data or {}).get("next")
        if next_path is not None and safe_next(next_path) is None:
            return api_error(422, _("Some fields are missing or not valid."), {"next": _("Give a path on this site.")})
        token, expires_at = signin_links.create_link(user, next_path)
        url = absolute_url(url_for("signin.use", token=token))
        return {"url": url, "expires_at": expires_at}


# ---------------------------------------------------------------- products


def _product_body(product):
    photo = product.photo if product.photo_id else None
    return {
        "external_id": product.external_id,
        "name": product.name,
        "description": product.description,
        "price": product.price,
        "url": product.url,
        "photo_url": absolute_url(photo_url(photo)),
        "thumbnail_url": absolute_url(photo_url(photo, thumb=True)),
        "updated_at": product.updated_at,
    }


@bp.route("/products/<string:external_id>", endpoint="products")
class Products(MethodView):
    @bp.doc(security=KEYED)
    @bp.arguments(connector.ProductIn)
    @bp.response(200, ProductOut, description="updated or unchanged")
    @bp.alt_response(201, schema=ProductOut, description="created")
    def put(self, data, external_id):
        """Create or update a product."""
        _row, result = connector.upsert_product(external_id, data)
        return _product_body(connector.product(external_id)), _status(result)


PHOTO_BODY = {
    "required": True,
    "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in PHOTO_TYPES},
}


@bp.route("/products/<string:external_id>/photo", endpoint="product_photo")
class ProductPhoto(MethodView):
    @bp.doc(security=KEYED, requestBody=PHOTO_BODY)
    @bp.response(200, ProductOut)
    @bp.alt_response(404, schema="Error", description="no product with this external_id")
    def put(self, external_id):
        """The product's photo: the image bytes; the upload rules apply (10 MB, 40 megapixels)."""
        if request.mimetype not in PHOTO_TYPES:
            return api_error(
                422,
                _("Send a JPEG, PNG, WebP or GIF image with its Content-Type."),
                {"Content-Type": _("Use one of: %(types)s.", types=", ".join(PHOTO_TYPES))},
            )
        product, _result = connector.set_product_photo(external_id, request.get_data())
        return _product_body(product)


# ---------------------------------------------------------------- orders


def _order_body(order):
    return {
        "external_id": order.external_id,
        "customer": order.user.external_id,
        "number": order.number,
        "status": order.status,
        "placed_at": order.created_at,
        "completed_at": order.completed_at,
        "updated_at": order.updated_at,
        "lines": [
            {
                "external_id": line.external_id,
                "product": line.product.external_id,
                "quantity": line.quantity,
                "price": line.price,
                "listed": listed,
            }
            for line, listed in connector.order_lines(order)
        ],
    }


@bp.route("/orders/<string:external_id>", endpoint="orders")
class Orders(MethodView):
    @bp.doc(security=KEYED)
    @bp.arguments(connector.OrderIn)
    @bp.response(200, OrderOut, description="updated or unchanged")
    @bp.alt_response(201, schema=OrderOut, description="created")
    @bp.alt_response(409, schema="Error", description="a line would hold fewer units than are listed")
    def put(self, data, external_id):
        """Create or update an order with its lines; leaving Completed takes its open listings off sale."""
        _row, result = connector.upsert_order(external_id, data)
        return _order_body(connector.order(external_id)), _status(result)


# ---------------------------------------------------------------- listings (read)


@bp.route("/listings", endpoint="listings")
@bp.arguments(ListingQuery, location="query", as_kwargs=True)
@bp.response(200, ListingPage)
def listings(page, q, product):
    """Approved listings, newest first."""
    rows, has_next = catalog.store_page(q, product, page, current_app.config["API_PAGE_SIZE"])
    urls = SiteUrls()
    photos = galleries(rows)
    return {
        "listings": [listing_document(row, urls, gallery=photos[row.id]) for row in rows],
        "page": page,
        "has_next": has_next,
    }


@bp.route("/listings/<int:listing_id>", endpoint="listing")
@bp.response(200, ListingOut)
@bp.alt_response(404, schema="Error", description="no such public listing")
@bp.alt_response(410, schema="Error", description="sold")
def listing(listing_id):
    """One approved listing."""
    row = catalog.listings_by_ids([listing_id])
    row = row[0] if row else None
    if row is not None and row.status == ListingStatus.SOLD:
        abort(410, _("This listing was sold."))
    if row is None or not row.is_public:
        abort(404, _("There is no such listing."))
    return listing_document(row)
