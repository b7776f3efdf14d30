"""Property tests: random sequences of moves by random actors keep the invariants,
and random bytes into the photo pipeline raise nothing but PhotoError."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Listing, ListingStatus, ModerationEvent, OrderLine, lifecycle
from models.errors import DomainError
from models.listing_input import ListingData
from models.photos import PhotoError, process_image
from tests.conftest import image_bytes

S = ListingStatus
ACTIONS = ["put_up", "edit", "approve", "decline", "remove", "sell"]
STEP = st.tuples(
    st.sampled_from(ACTIONS),
    st.integers(0, 2),  # which actor: owner, other customer, admin
    st.integers(0, 5),  # which listing (by position), or which line for put_up
    st.integers(0, 3),  # quantity
    st.booleans(),  # pass a stale version
)


@pytest.fixture
def world(app, make_user, make_completed_line):
    owner, other, admin = (
        make_user(username="owner"),
        make_user(username="other"),
        make_user(username="boss", admin=True),
    )
    lines = [make_completed_line(owner, quantity=q) for q in (1, 2, 3)]
    return {"actors": [owner, other, admin], "lines": lines}


def run_step(world, step):
    action, who, index, quantity, stale = step
    actor = world["actors"][who]
    listings = list(Listing.select().order_by(Listing.id))
    data = ListingData(name=f"Item {index}", description="Call me", price="100", quantity=quantity)
    if action == "put_up":
        return lifecycle.put_up_for_sale(actor, world["lines"][index % 3].id, data)
    if not listings:
        return None
    listing = listings[index % len(listings)]
    version = listing.version - 1 if stale else listing.version
    if action == "edit":
        return lifecycle.edit_listing(actor, listing.id, data, seen_version=version)
    if action == "approve":
        return lifecycle.approve(actor, listing.id, seen_version=version)
    if action == "decline":
        return lifecycle.decline(actor, listing.id, "Not clear", seen_version=version)
    if action == "remove":
        return lifecycle.remove(actor, listing.id, seen_version=version)
    return lifecycle.mark_sold(actor, listing.id, seen_version=version)


def check_invariants(history):
    for line in OrderLine.select():
        listed = sum(x.quantity for x in Listing.select().where(Listing.order_line == line.id))
        assert listed <= line.quantity
    for listing in Listing.select():
        assert listing.quantity >= 1
        assert listing.status in S.ALL
        events = list(
            ModerationEvent.select().where(ModerationEvent.listing == listing.id).order_by(ModerationEvent.id)
        )
        # Every move has its event, and the events chain from put-up to the current status.
        assert events[0].action == "put_up" and events[-1].to_status == listing.status
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            assert before.to_status not in S.FINAL, "nothing moves out of Sold or Removed"
        assert Listing.public().where(Listing.id == listing.id).exists() == (listing.status == S.APPROVED)
    # Only admins moderate; only owners edit and sell.
    for event in ModerationEvent.select():
        if event.action in ("approve", "decline", "remove"):
            assert event.actor.has_role("admin")
        if event.action in ("put_up", "edit", "sell"):
            assert event.actor_id == event.listing.owner_id


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_random_moves_keep_the_invariants(world, steps):
    Listing.delete().execute()  # hypothesis reuses the fixture: start each example clean
    for step in steps:
        try:
            run_step(world, step)
        except DomainError:
            pass
    check_invariants(steps)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=4096), name=st.sampled_from(["a.jpg", "a.png", "a.gif", "a.webp", "x"]))
def test_random_bytes_only_ever_raise_photo_error(data, name):
    try:
        process_image(data, name)
    except PhotoError:
        pass


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(1, 2000), flip=st.integers(0, 2000), fmt=st.sampled_from(["JPEG", "PNG", "GIF", "WEBP"]))
def test_damaged_real_images_only_ever_raise_photo_error(cut, flip, fmt):
    data = bytearray(image_bytes(fmt, size=(64, 48)))
    data[flip % len(data)] ^= 0xFF
    try:
        process_image(bytes(data[: max(1, len(data) - cut)]), "a." + fmt.lower())
    except PhotoError:
        pass
