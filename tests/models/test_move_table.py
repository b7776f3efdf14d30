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
WITHDRAWN, EXPIRED = "withdrawn", "expired"
STATUSES = (MOD, APPROVED, DECLINED, WITHDRAWN, EXPIRED, REMOVED, SOLD)
NO = None  # refused


def row(**targets):
    """A move's row: the statuses named go where they say; every other status is refused."""
    named = {"mod": MOD, "approved": APPROVED, "declined": DECLINED, "withdrawn": WITHDRAWN, "expired": EXPIRED}
    return {status: NO for status in STATUSES} | {named[k]: v for k, v in targets.items()}


# move: {status it starts from: status it ends in, or NO}
EXPECTED = {
    "edit": row(mod=MOD, approved=MOD, declined=MOD),
    "approve": row(mod=APPROVED),
    "decline": row(mod=DECLINED, approved=DECLINED),
    "remove": row(mod=REMOVED, approved=REMOVED, declined=REMOVED, withdrawn=REMOVED, expired=REMOVED),
    "sell": row(mod=SOLD, approved=SOLD, declined=SOLD, withdrawn=SOLD, expired=SOLD),
    "sell_part": row(mod=MOD, approved=APPROVED, declined=DECLINED, withdrawn=WITHDRAWN, expired=EXPIRED),
    "reopen": row(approved=MOD),
    "admin_edit": row(mod=MOD, approved=APPROVED, declined=DECLINED),
    "block": row(approved=DECLINED),
    "unblock": row(declined=APPROVED),
    "revoke": row(mod=REMOVED, approved=REMOVED, declined=REMOVED, withdrawn=REMOVED, expired=REMOVED),
    "withdraw": row(mod=WITHDRAWN, approved=WITHDRAWN, declined=WITHDRAWN),
    # Unchanged since its approval (as make_listing makes them): no moderator needed.
    "put_back": row(withdrawn=APPROVED),
    "expire": row(approved=EXPIRED),
    "renew": row(expired=APPROVED),
}
# Where put_back and renew go instead when the listing changed since its approval.
EXPECTED_IF_CHANGED = {"put_back": MOD, "renew": MOD}
# Who makes each move: the owner's buttons (My items) and the moderator's (admin) come from this.
EXPECTED_BY = {
    "edit": "owner",
    "sell": "owner",
    "sell_part": "owner",
    "withdraw": "owner",
    "put_back": "owner",
    "renew": "owner",
    "approve": "moderator",
    "decline": "moderator",
    "remove": "moderator",
    "admin_edit": "moderator",
    "reopen": "system",
    "expire": "system",
    "block": "moderator",
    "unblock": "moderator",
    "revoke": "system",
}


def test_the_statuses_are_the_contracts():
    assert set(ListingStatus.ALL) == set(STATUSES)
    assert set(ListingStatus.FINAL) == {REMOVED, SOLD}
    assert not any(ListingStatus.is_public(s) for s in (WITHDRAWN, EXPIRED))


def test_the_table_is_exactly_the_expected_one():
    assert set(lifecycle.MOVES) == set(EXPECTED)
    for move, row in EXPECTED.items():
        for status, target in row.items():
            assert lifecycle.target_of(move, status) == target, (move, status)
        assert lifecycle.MOVES[move].by == EXPECTED_BY[move], move
        assert lifecycle.MOVES[move].if_changed == EXPECTED_IF_CHANGED.get(move), move


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
    # Two units, so selling one is a partial sale.
    listing = make_listing(alice, status=start, admin=admin, quantity=2)
    run = {
        "edit": lambda: lifecycle.edit_listing(alice, listing.id, _data()),
        "approve": lambda: lifecycle.approve(admin, listing.id),
        "decline": lambda: lifecycle.decline(admin, listing.id, "Blurry photo"),
        "remove": lambda: lifecycle.remove(admin, listing.id),
        "sell": lambda: lifecycle.mark_sold(alice, listing.id),
        "sell_part": lambda: lifecycle.mark_sold(alice, listing.id, quantity_sold=1),
        "withdraw": lambda: lifecycle.withdraw(alice, listing.id),
        "put_back": lambda: lifecycle.put_back(alice, listing.id),
        "expire": lambda: lifecycle.expire(listing.id),
        "renew": lambda: lifecycle.renew(alice, listing.id),
        "reopen": lambda: lifecycle.reopen(listing.id, "Reported"),
        "admin_edit": lambda: lifecycle.admin_edit(admin, listing.id, _data(price="888")),
        # The customer-level block and unblock make these moves; here each is tried on one listing.
        "block": lambda: _one_move(admin, "block", listing.id),
        "unblock": lambda: _one_move(admin, "unblock", listing.id),
        "revoke": lambda: lifecycle.revoke(listing.id, "The order was returned"),
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
        (WITHDRAWN, [("put_up", None, MOD), ("withdraw", MOD, WITHDRAWN)]),
        (EXPIRED, [("put_up", None, MOD), ("approve", MOD, APPROVED), ("expire", APPROVED, EXPIRED)]),
    ],
)
def test_event_chain_of_each_status(status, chain):
    """What the bulk import logs for a listing it creates in `status`."""
    assert [(action, src, dst) for action, _by, src, dst in lifecycle.event_chain(status)] == chain
