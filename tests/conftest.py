"""Shared fixtures: a fresh app and database per test, on SQLite and on PostgreSQL.

Every test that uses `app` runs twice: once on a temporary SQLite file and once
on PostgreSQL (`TEST_POSTGRES_URL`, default the local `test` database). Without
a reachable PostgreSQL the second run is skipped with the reason; with
`REQUIRE_POSTGRES=1` (set by `.ci/run`) it fails instead.
"""

import io
import os
import re
import secrets

import pytest
from flask.testing import FlaskClient
from PIL import Image

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state = {}


def _postgres_problem():
    """None if PostgreSQL is usable, else why not (checked once)."""
    if "problem" not in _pg_state:
        try:
            import psycopg2

            conn = psycopg2.connect(TEST_POSTGRES_URL.replace("postgresql://", "postgresql://", 1), connect_timeout=3)
            conn.close()
            _pg_state["problem"] = None
        except Exception as exc:  # any failure means: no PostgreSQL here
            _pg_state["problem"] = f"PostgreSQL not reachable at {TEST_POSTGRES_URL} ({exc.__class__.__name__})"
    return _pg_state["problem"]


@pytest.fixture(params=["sqlite", "postgres"])
def db_kind(request):
    if request.param == "postgres":
        problem = _postgres_problem()
        if problem:
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                pytest.fail(f"{problem}; REQUIRE_POSTGRES=1 makes this a failure")
            pytest.skip(f"{problem}; set TEST_POSTGRES_URL to run the PostgreSQL half of the suite")
    return request.param


_pg_schema_ready = {}


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL schema of this test session's own, dropped at the end.

    Several test runs (developers, CI) can share one database without wiping
    each other's tables.
    """
    schema = f"t_{os.getpid()}_{secrets.token_hex(3)}"
    sep = "&" if "?" in TEST_POSTGRES_URL else "?"
    yield f"{TEST_POSTGRES_URL}{sep}options=-c%20search_path%3D{schema}", schema
    if _pg_schema_ready.get(schema):
        import psycopg2

        conn = psycopg2.connect(TEST_POSTGRES_URL, connect_timeout=3)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()


def _reset_postgres(database, schema):
    """Fresh tables once per session, then an empty copy for each test."""
    from models import ALL_MODELS, create_tables

    if not _pg_schema_ready.get(schema):
        database.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        database.execute_sql(f'CREATE SCHEMA "{schema}"')
        create_tables()
        _pg_schema_ready[schema] = True
    else:
        tables = ", ".join(f'"{m._meta.table_name}"' for m in ALL_MODELS)
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def app_config(db_kind, tmp_path, request):
    if db_kind == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'test.db'}", None
    else:
        url, schema = request.getfixturevalue("pg_url")
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SECRET_KEY": secrets.token_hex(16),
        "WTF_CSRF_ENABLED": True,  # tests go through the same CSRF check as users
        # A fast hash keeps the suite quick; production uses argon2 (see test_auth).
        "SECURITY_PASSWORD_HASH": "plaintext",
        "RATELIMIT_ENABLED": False,
        "PUBLIC_URL": "http://localhost",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "TEST_PG_SCHEMA": schema,
    }


def prepare_database(app_config):
    """Connect and give the test empty tables: a fresh SQLite file, or the session's PostgreSQL schema emptied."""
    from models import create_tables, db

    db.database.connect(reuse_if_open=True)
    if app_config["TEST_PG_SCHEMA"]:
        _reset_postgres(db.database, app_config["TEST_PG_SCHEMA"])
    else:
        create_tables()


@pytest.fixture
def app(app_config):
    from app import create_app
    from models import db
    from web.extensions import limiter

    flask_app = create_app(app_config)
    flask_app.test_client_class = FreshContextClient
    # One limiter object serves every app in this process: start each test with clean counts.
    if getattr(limiter, "_storage", None) is not None:
        with flask_app.app_context():
            limiter.reset()
    with flask_app.app_context():
        prepare_database(app_config)
        # The schema is up to date now: check it here, so no test's first request pays for it.
        assert flask_app.extensions["schema_check"].passes()
        yield flask_app
        if not db.database.is_closed():
            db.database.close()
        from models.db import close_all

        close_all()


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production.

    The `app` fixture keeps an app context pushed for the factories; Flask 3.1
    would reuse it for every request, so `g` (where Flask-Login caches the user)
    would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


# ---------------------------------------------------------------- helpers

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def hidden_value(page, name):
    """The value of a page's (first) input called `name`, or None."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def listing_form_fields(page, **overrides):
    """What a seller types into the listing form of `page` (plus its CSRF and form tokens)."""
    fields = {
        "csrf_token": csrf_from(page),
        "name": "Wool coat, size M",
        "description": "Worn twice. Telegram @alice",
        "price": "700",
        "quantity": "1",
    }
    form_token = hidden_value(page, "form_token")
    if form_token:
        fields["form_token"] = form_token
    fields.update(overrides)
    return fields


def get_csrf(client, url="/login"):
    return csrf_from(client.get(url).get_data(as_text=True))


def login(client, identity, password):
    token = get_csrf(client, "/login")
    return client.post("/login", data={"email": identity, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client):
    """Log the test client in as a user made by `make_user` (password: secret123)."""

    def _login(user, password="secret123"):
        client.delete_cookie("session")  # start from a logged-out browser
        response = login(client, user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return client

    return _login


@pytest.fixture
def make_user(app):
    from flask_security import hash_password

    from models import Role, User, UserRoles

    counter = {"n": 0}

    def _make(username=None, email=None, password="secret123", admin=False, **kw):
        counter["n"] += 1
        username = username or f"user{counter['n']}"
        user = User.create(
            username=username,
            email=email or f"{username}@example.com",
            password=hash_password(password),
            fs_uniquifier=secrets.token_hex(16),
            **kw,
        )
        if admin:
            role, _created = Role.get_or_create(name="admin")
            UserRoles.create(user=user, role=role)
        return user

    return _make


@pytest.fixture
def make_completed_line(app):
    """An order line of a completed order of `user`."""
    from decimal import Decimal

    from models import Order, OrderLine, OrderStatus, Product
    from models.users import utcnow

    counter = {"n": 0}

    def _make(user, quantity=3, price="1000.00", status=OrderStatus.COMPLETED, product_name="Wool coat"):
        counter["n"] += 1
        product = Product.create(name=product_name, description="A warm coat.", price=Decimal("900.00"))
        order = Order.create(
            user=user,
            number=f"T{counter['n']:05d}{secrets.token_hex(2)}",
            status=status,
            completed_at=utcnow() if status == OrderStatus.COMPLETED else None,
        )
        return OrderLine.create(order=order, product=product, price=Decimal(price), quantity=quantity)

    return _make


@pytest.fixture
def make_listing(make_completed_line):
    """A listing of `user` brought to `status` through the lifecycle."""
    from models import ListingStatus, lifecycle
    from models.listing_input import ListingData

    def _make(user, status=ListingStatus.MODERATION, admin=None, quantity=1, line=None, name="Blue jacket", **kw):
        line = line or make_completed_line(user, quantity=max(quantity, 1))
        data = ListingData(
            name=name,
            description=kw.pop("description", "Worn twice. Call +7 900 000-00-00"),
            price=kw.pop("price", "1500"),
            quantity=quantity,
        )
        listing = lifecycle.put_up_for_sale(
            user, line.id, data, photo=kw.pop("photo", None), photos=kw.pop("photos", None)
        )
        if status == ListingStatus.MODERATION:
            return listing
        if status == ListingStatus.SOLD:
            return lifecycle.mark_sold(user, listing.id)
        assert admin is not None, "approve/decline/remove need an admin"
        if status == ListingStatus.APPROVED:
            return lifecycle.approve(admin, listing.id)
        if status == ListingStatus.DECLINED:
            return lifecycle.decline(admin, listing.id, "Add a photo of the label")
        if status == ListingStatus.REMOVED:
            return lifecycle.remove(admin, listing.id)
        # Withdrawn and Expired as they usually come: from Approved, unchanged since.
        approved = lifecycle.approve(admin, listing.id)
        if status == ListingStatus.WITHDRAWN:
            return lifecycle.withdraw(user, approved.id)
        if status == ListingStatus.EXPIRED:
            return lifecycle.expire(approved.id)
        raise ValueError(status)

    return _make


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@example.com", admin=True)


@pytest.fixture
def alice(make_user):
    return make_user("alice", email="alice@example.com")


@pytest.fixture
def bob(make_user):
    return make_user("bob", email="bob@example.com")


def image_bytes(fmt="JPEG", size=(640, 480), color=(200, 30, 30), **save_kw):
    out = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") and save_kw.pop("alpha", False) else "RGB"
    Image.new(mode, size, color).save(out, fmt, **save_kw)
    return out.getvalue()


@pytest.fixture
def jpeg_bytes():
    return image_bytes("JPEG")
