"""The listing lifecycle: every legal and illegal move, the quantity rule, races."""

import threading
from decimal import Decimal

import pytest

from models import Listing, ListingStatus, ModerationEvent, Notification, OrderStatus, lifecycle
from models.errors import DomainError
from models.listing_input import ListingData

S = ListingStatus


def data(quantity=1, price="1500", name="Blue jacket"):
    return ListingData(name=name, description="Worn twice. +7 900 000-00-00", price=price, quantity=quantity)


def events(listing):
    query = ModerationEvent.select().where(ModerationEvent.listing == listing.id).order_by(ModerationEvent.id)
    return [(e.action, e.from_status, e.to_status) for e in query]


def test_put_up_creates_listing_on_moderation_with_event(alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    listing = lifecycle.put_up_for_sale(alice, line.id, data(quantity=2, price="1499.9"))
    assert listing.status == S.MODERATION
    assert Listing.get_by_id(listing.id).price == Decimal("1499.90")
    assert events(listing) == [("put_up", None, S.MODERATION)]


@pytest.mark.parametrize(
    "order_status", [OrderStatus.NEW, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.CANCELLED]
)
def test_only_completed_orders_can_be_listed(alice, make_completed_line, order_status):
    line = make_completed_line(alice, status=order_status)
    with pytest.raises(DomainError, match="completed orders"):
        lifecycle.put_up_for_sale(alice, line.id, data())
    assert Listing.select().count() == 0


def test_someone_elses_line_is_forbidden(alice, bob, make_completed_line):
    line = make_completed_line(alice)
    with pytest.raises(DomainError) as err:
        lifecycle.put_up_for_sale(bob, line.id, data())
    assert err.value.forbidden
    assert Listing.select().count() == 0


@pytest.mark.parametrize(
    "price, message",
    [
        ("0", "more than zero"),
        ("-5", "such as"),
        ("10.999", "such as"),
        ("1e3", "such as"),
        ("NaN", "such as"),
        ("inf", "such as"),
        ("", "such as"),
        ("123456789", "such as"),
    ],
)
def test_bad_prices_are_refused(alice, make_completed_line, price, message):
    line = make_completed_line(alice)
    with pytest.raises(DomainError, match=message) as err:
        lifecycle.put_up_for_sale(alice, line.id, data(price=price))
    assert err.value.field == "price"


@pytest.mark.parametrize("quantity", [0, -1, 4])
def test_quantity_must_be_between_one_and_what_is_left(alice, make_completed_line, quantity):
    line = make_completed_line(alice, quantity=3)
    with pytest.raises(DomainError) as err:
        lifecycle.put_up_for_sale(alice, line.id, data(quantity=quantity))
    assert err.value.field == "quantity"


def test_listings_of_a_line_never_exceed_what_was_bought(alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    lifecycle.put_up_for_sale(alice, line.id, data(quantity=2))
    with pytest.raises(DomainError, match="Only 1 of 3"):
        lifecycle.put_up_for_sale(alice, line.id, data(quantity=2))
    lifecycle.put_up_for_sale(alice, line.id, data(quantity=1))
    with pytest.raises(DomainError, match="already listed"):
        lifecycle.put_up_for_sale(alice, line.id, data(quantity=1))


def test_sold_units_stay_counted_and_sold_is_final(alice, admin, make_completed_line):
    line = make_completed_line(alice, quantity=1)
    listing = lifecycle.put_up_for_sale(alice, line.id, data())
    lifecycle.approve(admin, listing.id)
    sold = lifecycle.mark_sold(alice, listing.id)
    assert sold.status == S.SOLD
    with pytest.raises(DomainError, match="already listed"):
        lifecycle.put_up_for_sale(alice, line.id, data())
    for move in (
        lambda: lifecycle.edit_listing(alice, listing.id, data(price="10")),
        lambda: lifecycle.mark_sold(alice, listing.id),
        lambda: lifecycle.approve(admin, listing.id),
        lambda: lifecycle.decline(admin, listing.id, "no"),
        lambda: lifecycle.remove(admin, listing.id),
        lambda: lifecycle.admin_edit(admin, listing.id, data(price="10")),
    ):
        with pytest.raises(DomainError):
            move()
    assert Listing.get_by_id(listing.id).status == S.SOLD
    assert Listing.get_by_id(listing.id).price == Decimal("1500.00")


def test_removed_is_final_and_still_counted(alice, admin, make_completed_line):
    line = make_completed_line(alice, quantity=1)
    listing = lifecycle.put_up_for_sale(alice, line.id, data())
    lifecycle.remove(admin, listing.id)
    with pytest.raises(DomainError):
        lifecycle.edit_listing(alice, listing.id, data())
    with pytest.raises(DomainError):
        lifecycle.mark_sold(alice, listing.id)
    with pytest.raises(DomainError, match="already listed"):
        lifecycle.put_up_for_sale(alice, line.id, data())


def test_edit_of_approved_listing_goes_back_to_moderation(alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    assert Listing.public().where(Listing.id == listing.id).exists()
    edited = lifecycle.edit_listing(alice, listing.id, data(price="1200"))
    assert edited.status == S.MODERATION
    assert not Listing.public().where(Listing.id == listing.id).exists()


def test_edit_of_declined_listing_clears_reason(alice, admin, make_listing):
    listing = make_listing(alice, status=S.DECLINED, admin=admin)
    assert listing.decline_reason == "Add a photo of the label"
    edited = lifecycle.edit_listing(alice, listing.id, data(name="Blue jacket, label photo added"))
    assert edited.status == S.MODERATION
    assert edited.decline_reason is None


def test_edit_can_raise_quantity_only_up_to_what_is_left(alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    first = lifecycle.put_up_for_sale(alice, line.id, data(quantity=1))
    lifecycle.put_up_for_sale(alice, line.id, data(quantity=1))
    lifecycle.edit_listing(alice, first.id, data(quantity=2))
    with pytest.raises(DomainError, match="Only 2 of 3"):
        lifecycle.edit_listing(alice, first.id, data(quantity=3))


def test_owner_only_edits_and_sells(alice, bob, admin, make_listing):
    """A stranger's move on a hidden listing is "not found" (it must look like one that
    does not exist); on a public one it is "forbidden"."""
    hidden = make_listing(alice)
    public = make_listing(alice, status=S.APPROVED, admin=admin)
    for listing, kind in ((hidden, "not_found"), (public, "forbidden")):
        for move in (
            lambda listing=listing: lifecycle.edit_listing(bob, listing.id, data()),
            lambda listing=listing: lifecycle.mark_sold(bob, listing.id),
        ):
            with pytest.raises(DomainError) as err:
                move()
            assert err.value.kind == kind
        assert Listing.get_by_id(listing.id).status == listing.status


def test_decline_requires_a_reason(alice, admin, make_listing):
    listing = make_listing(alice)
    for reason in ("", "   ", None, "x" * 1001):
        with pytest.raises(DomainError) as err:
            lifecycle.decline(admin, listing.id, reason)
        assert err.value.field == "reason"
    assert Listing.get_by_id(listing.id).status == S.MODERATION


def test_stale_version_is_refused(alice, admin, make_listing):
    listing = make_listing(alice)
    seen = listing.version
    lifecycle.edit_listing(alice, listing.id, data(price="1"), seen_version=seen)
    with pytest.raises(DomainError, match="changed by someone else"):
        lifecycle.approve(admin, listing.id, seen_version=seen)
    assert Listing.get_by_id(listing.id).status == S.MODERATION
    assert lifecycle.approve(admin, listing.id, seen_version=seen + 1).status == S.APPROVED


def test_moderation_notifies_owner_after_commit(alice, admin, make_listing):
    listing = make_listing(alice)
    lifecycle.decline(admin, listing.id, "Blurry photo")
    note = Notification.get(Notification.user == alice.id)
    assert (note.kind, note.reason) == ("declined", "Blurry photo")


def test_failed_transaction_leaves_no_notification(alice, admin, make_listing, monkeypatch):
    listing = make_listing(alice)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(lifecycle, "notify", broken)
    with pytest.raises(RuntimeError):
        lifecycle.approve(admin, listing.id)
    assert Listing.get_by_id(listing.id).status == S.MODERATION
    assert events(listing) == [("put_up", None, S.MODERATION)]


def _race(app, n, work):
    """Run `work(i)` in n threads at once; return the results or exceptions."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        from models import db

        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as exc:  # collected for the assertions
                results[i] = exc
            finally:
                db.database.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_racing_put_ups_never_exceed_the_line(app, alice, make_completed_line):
    line = make_completed_line(alice, quantity=3)
    results = _race(app, 4, lambda i: lifecycle.put_up_for_sale(alice, line.id, data(quantity=2)))
    won = [r for r in results if isinstance(r, Listing)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == 3, results
    assert sum(listing.quantity for listing in Listing.select()) == 2


def test_racing_moderators_one_wins(app, alice, admin, make_user, make_listing):
    other_admin = make_user(username="moder2", admin=True)
    listing = make_listing(alice)
    version = listing.version
    results = _race(
        app,
        2,
        lambda i: (
            lifecycle.approve if i == 0 else lambda a, lid, seen_version: lifecycle.decline(a, lid, "no", seen_version)
        )([admin, other_admin][i], listing.id, seen_version=version),
    )
    assert sum(isinstance(r, Listing) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert len(events(Listing.get_by_id(listing.id))) == 2


def test_racing_sold_clicks_one_wins(app, alice, make_listing):
    listing = make_listing(alice)
    results = _race(app, 3, lambda i: lifecycle.mark_sold(alice, listing.id, seen_version=listing.version))
    assert sum(isinstance(r, Listing) for r in results) == 1
    assert [e[0] for e in events(Listing.get_by_id(listing.id))].count("sell") == 1


@pytest.mark.parametrize("bad", ["Coat\x00", "Coat\x1b[31m", "Coat\u202e", "Coat\x7f"])
def test_control_characters_are_refused(alice, make_completed_line, bad):
    line = make_completed_line(alice)
    with pytest.raises(DomainError, match="control characters") as err:
        lifecycle.put_up_for_sale(alice, line.id, data(name=bad))
    assert err.value.field == "name"


def test_text_is_normalised(alice, make_completed_line):
    line = make_completed_line(alice)
    decomposed = "Cafe\u0301 coat"  # "e" + combining accent
    listing = lifecycle.put_up_for_sale(
        alice, line.id, ListingData(name=f"  {decomposed}  ", description="a\r\nb", price="1", quantity=1)
    )
    fresh = Listing.get_by_id(listing.id)
    assert fresh.name == "Caf\u00e9 coat" and fresh.description == "a\nb"


def test_only_moderators_moderate(alice, make_listing):
    listing = make_listing(alice)
    for move in (
        lambda: lifecycle.approve(alice, listing.id),
        lambda: lifecycle.decline(alice, listing.id, "no"),
        lambda: lifecycle.remove(alice, listing.id),
        lambda: lifecycle.admin_edit(alice, listing.id, data()),
    ):
        with pytest.raises(DomainError) as err:
            move()
        assert err.value.forbidden
    assert Listing.get_by_id(listing.id).status == S.MODERATION


def test_a_final_status_is_reported_before_a_stale_version(alice, admin, make_listing):
    listing = make_listing(alice)
    seen = listing.version
    lifecycle.mark_sold(alice, listing.id)
    with pytest.raises(DomainError, match="it is sold"):
        lifecycle.approve(admin, listing.id, seen_version=seen)
