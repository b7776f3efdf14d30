"""The command line: init-db and demo-data are safe to repeat; demo data matches the contract."""

import pytest
from flask_security.utils import verify_password

from models import Listing, ListingStatus, ModerationEvent, Order, OrderLine, OrderStatus, Role, User


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_init_db_is_safe_to_run_again(runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    assert Role.select().where(Role.name == "admin").count() == 1


def test_a_new_install_can_make_its_first_admin(runner, make_user):
    """init-db, then Flask-Security's own `roles add`: the role exists, so it works."""
    assert runner.invoke(args=["init-db"]).exit_code == 0
    owner = make_user("owner", email="owner@example.com")
    result = runner.invoke(args=["roles", "add", "owner@example.com", "admin"])
    assert result.exit_code == 0, result.output
    assert User.get_by_id(owner.id).has_role("admin")


def test_demo_data_matches_the_contract_and_is_idempotent(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
    assert User.select().count() == 3
    admin = User.get(User.username == "admin")
    assert admin.has_role("admin") and admin.email == "admin@example.com"
    alice = User.get(User.username == "alice")
    assert verify_password("alice12345", alice.password)
    statuses = sorted(o.status for o in Order.select().where(Order.user == alice.id))
    assert statuses == [OrderStatus.COMPLETED, OrderStatus.COMPLETED, OrderStatus.PAID]
    assert OrderLine.sellable_for(alice).where(OrderLine.quantity == 3).exists()
    bob = User.get(User.username == "bob")
    assert [o.status for o in Order.select().where(Order.user == bob.id)] == [OrderStatus.COMPLETED]


def test_demo_data_synthetic_listings(app, runner):
    result = runner.invoke(args=["demo-data", "--listings", "500", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert Listing.select().count() == 500
    approved = Listing.select().where(Listing.status == ListingStatus.APPROVED).count()
    assert 400 <= approved <= 490
    assert {listing.status for listing in Listing.select()} == set(ListingStatus.ALL)
    # Every listing has its put-up event, and no line is over-listed.
    assert ModerationEvent.select().where(ModerationEvent.action == "put_up").count() == 500
    for listing in Listing.select(Listing, OrderLine).join(OrderLine).limit(50):
        assert 1 <= listing.quantity <= listing.order_line.quantity
    # New rows after the bulk insert get fresh ids (sequences were moved on).
    runner.invoke(args=["demo-data", "--listings", "10"])
    assert Listing.select().count() == 510


def test_default_password_hash_is_argon2(tmp_path):
    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECURITY_PASSWORD_HASH"] == "argon2"


def test_check_reports_and_fixes_orphans(app, runner, make_user, make_listing):
    import os
    import time

    from models import Photo
    from models.photos import process_image
    from tests.conftest import image_bytes

    seller = make_user()
    listing = make_listing(seller, photo=process_image(image_bytes("JPEG"), "a.jpg"))
    kept = Photo.get_by_id(listing.photo_id)
    upload_dir = app.config["UPLOAD_DIR"]
    # A file left by an upload killed before its commit, old enough to be sure.
    orphan = os.path.join(upload_dir, "0" * 32 + ".jpg")
    with open(orphan, "wb") as fh:
        fh.write(b"x")
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    # A fresh file may still be committing: left alone.
    fresh = os.path.join(upload_dir, "1" * 32 + ".jpg")
    with open(fresh, "wb") as fh:
        fh.write(b"x")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "Orphan files: 1" in result.output and "0" * 32 in result.output and "1" * 32 not in result.output
    result = runner.invoke(args=["check", "--fix"])
    assert result.exit_code == 0, result.output
    assert not os.path.exists(orphan) and os.path.exists(fresh)
    assert os.path.exists(os.path.join(upload_dir, kept.filename))
    assert runner.invoke(args=["check"]).exit_code == 0


def test_large_load_rebuilds_the_search_index(app, monkeypatch):
    """A big load drops PostgreSQL's GIN index and builds it again; search works after it."""
    from models import demo, search
    from models.db import database, is_postgres

    monkeypatch.setattr(demo, "REBUILD_SEARCH_INDEX_OVER", 10)
    demo.generate_listings(40, seed=3)
    if is_postgres():
        names = [
            r[0]
            for r in database().execute_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'listing' AND schemaname = current_schema()"
            )
        ]
        assert "listing_search_gin" in names
    word = Listing.select(Listing.name).where(Listing.status == ListingStatus.APPROVED).first().name.split()[-1]
    assert Listing.select().where(Listing.id.in_(search.matching_ids(word))).count() > 0
