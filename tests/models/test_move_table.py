"""The lifecycle's table of moves, pinned as literal data.

`EXPECTED` is written out by hand, not read from `lifecycle.MOVES`: changing
the table (say, letting a moderator approve a Declined listing) must break a
test here, and every pair is also tried for real through the lifecycle's
functions, so the table and the behaviour cannot drift apart.
"""

import pytest

from models import Listing, ListingStatus, ModerationEvent, lifecycle
from models.errors import DomainError
from models.listing_input import ListingData

MOD, APPROVED, DECLINED, REMOVED, SOLD = "moderation", "approved", "declined", "removed", "sold"
STATUSES = (MOD, APPROVED, DECLINED, REMOVED, SOLD)
NO = None  # refused

# move: {status it starts from: status it ends in, or NO}
EXPECTED = {
    "edit": {MOD: MOD, APPROVED: MOD, DECLINED: MOD, REMOVED: NO, SOLD: NO},
    "approve": {MOD: APPROVED, APPROVED: NO, DECLINED: NO, REMOVED: NO, SOLD: NO},
    "decline": {MOD: DECLINED, APPROVED: DECLINED, DECLINED: NO, REMOVED: NO, SOLD: NO},
    "remove": {MOD: REMOVED, APPROVED: REMOVED, DECLINED: REMOVED, REMOVED: NO, SOLD: NO},
    "sell": {MOD: SOLD, APPROVED: SOLD, DECLINED: SOLD, REMOVED: NO, SOLD: NO},
    "reopen": {MOD: NO, APPROVED: MOD, DECLINED: NO, REMOVED: NO, SOLD: NO},
    "admin_edit": {MOD: MOD, APPROVED: APPROVED, DECLINED: DECLINED, REMOVED: NO, SOLD: NO},
    "block": {MOD: NO, APPROVED: DECLINED, DECLINED: NO, REMOVED: NO, SOLD: NO},
    "unblock": {MOD: NO, APPROVED: NO, DECLINED: APPROVED, REMOVED: NO, SOLD: NO},
    "withdraw": {MOD: REMOVED, APPROVED: REMOVED, DECLINED: REMOVED, REMOVED: NO, SOLD: NO},
}
# Who makes each move: the owner's buttons (My items) and the moderator's (admin) come from this.
EXPECTED_BY = {
    "edit": "owner",
    "sell": "owner",
    "approve": "moderator",
    "decline": "moderator",
    "remove": "moderator",
    "admin_edit": "moderator",
    "reopen": "system",
    "block": "moderator",
    "unblock": "moderator",
    "withdraw": "system",
}


def test_the_statuses_are_the_contracts():
    assert set(ListingStatus.ALL) == set(STATUSES)
    assert set(ListingStatus.FINAL) == {REMOVED, SOLD}


def test_the_table_is_exactly_the_expected_one():
    assert set(lifecycle.MOVES) == set(EXPECTED)
    for move, row in EXPECTED.items():
        for status, target in row.items():
            assert lifecycle.target_of(move, status) == target, (move, status)
        assert lifecycle.MOVES[move].by == EXPECTED_BY[move], move


def _data(price="999"):
    return ListingData(name="Blue jacket", description="Worn twice. +7 900 000-00-00", price=price, quantity=1)


def _events(listing_id):
    query = ModerationEvent.select().where(ModerationEvent.listing == listing_id).order_by(ModerationEvent.id)
    return [(e.action, e.from_status, e.to_status) for e in query]


def _one_move(admin, action, listing_id):
    from models.db import write_transaction

    with write_transaction():
        return lifecycle._move(action, listing_id, admin)


@pytest.mark.parametrize("start", STATUSES)
@pytest.mark.parametrize("move", sorted(EXPECTED))
def test_every_move_from_every_status(alice, admin, make_listing, start, move):
    """Each pair tried for real: allowed ones land where the table says with one event; others change nothing."""
    listing = make_listing(alice, status=start, admin=admin)
    run = {
        "edit": lambda: lifecycle.edit_listing(alice, listing.id, _data()),
        "approve": lambda: lifecycle.approve(admin, listing.id),
        "decline": lambda: lifecycle.decline(admin, listing.id, "Blurry photo"),
        "remove": lambda: lifecycle.remove(admin, listing.id),
        "sell": lambda: lifecycle.mark_sold(alice, listing.id),
        "reopen": lambda: lifecycle.reopen(listing.id, "Reported"),
        "admin_edit": lambda: lifecycle.admin_edit(admin, listing.id, _data(price="888")),
        # The customer-level block and unblock make these moves; here each is tried on one listing.
        "block": lambda: _one_move(admin, "block", listing.id),
        "unblock": lambda: _one_move(admin, "unblock", listing.id),
        "withdraw": lambda: lifecycle.withdraw(listing.id, "The order was returned"),
    }[move]
    target = EXPECTED[move][start]
    before = _events(listing.id)
    if target is NO:
        with pytest.raises(DomainError):
            run()
        assert Listing.get_by_id(listing.id).status == start
        assert _events(listing.id) == before
    else:
        assert run().status == target
        assert _events(listing.id) == before + [(move, start, target)]
        assert Listing.get_by_id(listing.id).version == len(before) + 1


@pytest.mark.parametrize(
    "status, chain",
    [
        (MOD, [("put_up", None, MOD)]),
        (APPROVED, [("put_up", None, MOD), ("approve", MOD, APPROVED)]),
        (DECLINED, [("put_up", None, MOD), ("decline", MOD, DECLINED)]),
        (REMOVED, [("put_up", None, MOD), ("remove", MOD, REMOVED)]),
        (SOLD, [("put_up", None, MOD), ("sell", MOD, SOLD)]),
    ],
)
def test_event_chain_of_each_status(status, chain):
    """What the bulk import logs for a listing it creates in `status`."""
    assert [(action, src, dst) for action, _by, src, dst in lifecycle.event_chain(status)] == chain
