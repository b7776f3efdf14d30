"""Take off sale, put back, renew and partial sales, through the lifecycle's functions."""

import datetime as dt

import pytest

from models import Listing, ListingStatus, ModerationEvent, lifecycle
from models.errors import DomainError
from models.listing_input import ListingData, ListingInputError

S = ListingStatus


def _actions(listing_id):
    query = ModerationEvent.select().where(ModerationEvent.listing == listing_id).order_by(ModerationEvent.id)
    return [(e.action, e.from_status, e.to_status) for e in query]


def test_put_back_unchanged_is_approved_without_a_moderator(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    withdrawn = lifecycle.withdraw(alice, listing.id)
    assert withdrawn.status == S.WITHDRAWN and not withdrawn.is_public and not withdrawn.is_final
    back = lifecycle.put_back(alice, listing.id)
    assert back.status == S.APPROVED
    assert _actions(listing.id)[-2:] == [("withdraw", S.APPROVED, S.WITHDRAWN), ("put_back", S.WITHDRAWN, S.APPROVED)]


def test_put_back_of_an_edited_listing_goes_to_moderation(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    data = ListingData(name="Blue jacket, like new", description="Worn twice.", price="1500", quantity=1)
    lifecycle.edit_listing(alice, listing.id, data)
    lifecycle.withdraw(alice, listing.id)
    assert lifecycle.put_back(alice, listing.id).status == S.MODERATION


def test_put_back_of_a_declined_listing_needs_a_moderator(alice, admin, make_listing):
    """Unchanged, but a moderator declined it: taking it off and back must not undo the decline."""
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    lifecycle.decline(admin, listing.id, "Wrong category")
    lifecycle.withdraw(alice, listing.id)
    assert lifecycle.put_back(alice, listing.id).status == S.MODERATION


def test_put_back_of_a_never_approved_listing_goes_to_moderation(alice, make_listing):
    listing = make_listing(alice)
    lifecycle.withdraw(alice, listing.id)
    assert lifecycle.put_back(alice, listing.id).status == S.MODERATION


def test_renew_unchanged_is_approved_for_another_period(app, alice, admin, make_listing):
    listing = make_listing(alice, status=S.EXPIRED, admin=admin)
    renewed = lifecycle.renew(alice, listing.id)
    assert renewed.status == S.APPROVED
    days = dt.timedelta(days=app.config["LISTING_DAYS"])
    assert abs(renewed.expires_at - (renewed.updated_at + days)) < dt.timedelta(seconds=5)
    assert renewed.expiry_reminded_at is None


def test_renew_of_a_changed_listing_goes_to_moderation(alice, admin, make_listing):
    listing = make_listing(alice, status=S.EXPIRED, admin=admin)
    # What it shows now differs from what was approved (as a photo change would make it).
    Listing.update(description="Now with a stain").where(Listing.id == listing.id).execute()
    assert lifecycle.renew(alice, listing.id).status == S.MODERATION


def test_the_moves_are_the_owners_only(alice, bob, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    with pytest.raises(DomainError):
        lifecycle.withdraw(bob, listing.id)
    withdrawn = lifecycle.withdraw(alice, listing.id)
    # Someone else's hidden listing looks like one that does not exist.
    with pytest.raises(DomainError) as refused:
        lifecycle.put_back(bob, withdrawn.id)
    assert refused.value.kind == "not_found"
    assert Listing.get_by_id(listing.id).status == S.WITHDRAWN


def test_a_stale_page_is_refused(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    lifecycle.withdraw(alice, listing.id, seen_version=listing.version)
    with pytest.raises(DomainError):
        lifecycle.put_back(alice, listing.id, seen_version=listing.version)


# ---------------------------------------------------------------- partial sales


def test_selling_some_lowers_the_quantity_and_keeps_the_status(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, quantity=3)
    after = lifecycle.mark_sold(alice, listing.id, quantity_sold=1)
    assert (after.status, after.quantity, after.units_sold) == (S.APPROVED, 2, 1)
    event = ModerationEvent.select().where(ModerationEvent.listing == listing.id).order_by(ModerationEvent.id.desc())
    assert (event[0].action, event[0].from_status, event[0].to_status, event[0].reason) == (
        "sell_part",
        S.APPROVED,
        S.APPROVED,
        "1 sold",
    )
    # Selling units is not a change a moderator must see again.
    lifecycle.withdraw(alice, listing.id)
    assert lifecycle.put_back(alice, listing.id).status == S.APPROVED
    # Then the rest: Sold, final.
    assert lifecycle.mark_sold(alice, listing.id, quantity_sold=2).status == S.SOLD


def test_sold_units_stay_counted_against_the_order_line(alice, admin, make_listing, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    listing = make_listing(alice, status=S.APPROVED, admin=admin, quantity=3, line=line)
    lifecycle.mark_sold(alice, listing.id, quantity_sold=2)
    assert lifecycle.quantity_left(line) == 0
    data = ListingData(name="Blue jacket", description="Another one", price="1000", quantity=1)
    with pytest.raises(DomainError) as refused:
        lifecycle.put_up_for_sale(alice, line.id, data)
    assert refused.value.field == "quantity"
    # Nor can the seller raise the quantity back into the sold units.
    with pytest.raises(DomainError):
        lifecycle.edit_listing(
            alice, listing.id, ListingData(name="Blue jacket", description="x", price="1", quantity=2)
        )


def test_a_withdrawn_listings_units_stay_counted(alice, admin, make_listing, make_completed_line):
    line = make_completed_line(alice, quantity=2)
    listing = make_listing(alice, status=S.APPROVED, admin=admin, quantity=2, line=line)
    lifecycle.withdraw(alice, listing.id)
    assert lifecycle.quantity_left(line) == 0


@pytest.mark.parametrize("bad", [0, -1, 4, "2", True, 2.5])
def test_a_bad_quantity_sold_is_refused_on_its_field(alice, admin, make_listing, bad):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, quantity=3)
    before = _actions(listing.id)
    with pytest.raises(ListingInputError) as refused:
        lifecycle.mark_sold(alice, listing.id, quantity_sold=bad)
    assert refused.value.field == "quantity_sold"
    again = Listing.get_by_id(listing.id)
    assert (again.status, again.quantity, again.units_sold) == (S.APPROVED, 3, 0)
    assert _actions(listing.id) == before


def test_all_of_them_by_default(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, quantity=3)
    assert lifecycle.mark_sold(alice, listing.id).status == S.SOLD
