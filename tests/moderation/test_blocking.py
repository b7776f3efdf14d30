"""Block from the flea market and Unblock: through the admin's user view, and as a property."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from models import Listing, ListingStatus, ModerationEvent, User, lifecycle
from models.errors import DomainError
from tests.admin_views.conftest import find_form, hidden_fields

S = ListingStatus
USERS = "/admin/users/"


def _status(listing):
    return Listing.get_by_id(listing.id).status


def _block_page(client, user):
    html = client.get(USERS).get_data(as_text=True)
    match = re.search(rf'class="btn btn-sm btn-outline-danger row-block" href="([^"]*id={user.id}[^"]*)"', html)
    assert match, "no Block from the flea market link in the user's row"
    page = client.get(match.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _submit(client, html, css_class, **fields):
    form = find_form(html, lambda f: css_class in f["attrs"].get("class", ""))
    data = hidden_fields(form) + list(fields.items())
    return client.post(form["attrs"]["action"].replace("&amp;", "&"), data=MultiDict(data))


def test_block_and_unblock_through_the_user_view(admin_client, admin, alice, make_listing):
    shown = make_listing(alice, status=S.APPROVED, admin=admin, name="Spam coat")
    waiting = make_listing(alice, name="Spam hat")
    declined = make_listing(alice, status=S.DECLINED, admin=admin, name="Spam shoes")
    published_at = Listing.get_by_id(shown.id).published_at

    html = _block_page(admin_client, alice)
    assert "Block from the flea market" in html
    # The reason is required.
    response = _submit(admin_client, html, "block-form", reason="  ")
    assert response.status_code == 200 and "Give a reason for blocking." in response.get_data(as_text=True)
    assert User.get_by_id(alice.id).blocked_at is None
    response = _submit(admin_client, html, "block-form", reason="Floods the market with junk")
    assert response.status_code == 302
    assert "Blocked alice; 1 listing left the showcase." in admin_client.get(USERS).get_data(as_text=True)

    assert User.get_by_id(alice.id).block_reason == "Floods the market with junk"
    assert (_status(shown), _status(waiting), _status(declined)) == (S.DECLINED, S.MODERATION, S.DECLINED)
    assert Listing.get_by_id(shown.id).reason_shown == "Floods the market with junk"
    assert "Spam coat" not in admin_client.get("/pristroy/").get_data(as_text=True)
    event = ModerationEvent.select().where(ModerationEvent.action == "block").get()
    assert (event.listing_id, event.actor_id, event.reason) == (shown.id, admin.id, "Floods the market with junk")
    # While blocked, a moderator can't approve the waiting one.
    with pytest.raises(DomainError, match="blocked"):
        lifecycle.approve(admin, waiting.id)

    html = admin_client.get(USERS).get_data(as_text=True)
    response = _submit(admin_client, html, "row-unblock")
    assert response.status_code == 302
    assert "Unblocked alice; 1 listing is back on the showcase." in admin_client.get(USERS).get_data(as_text=True)
    assert (_status(shown), _status(waiting), _status(declined)) == (S.APPROVED, S.MODERATION, S.DECLINED)
    restored = Listing.get_by_id(shown.id)
    assert restored.published_at == published_at and restored.reason_shown is None
    assert ModerationEvent.select().where(ModerationEvent.action == "unblock").get().listing_id == shown.id
    assert "Spam coat" in admin_client.get("/pristroy/").get_data(as_text=True)
    assert User.get_by_id(alice.id).blocked_at is None
    # Unblocking twice (a second moderator's old page): told, and nothing changes.
    response = _submit(admin_client, html, "row-unblock")
    assert "alice is not blocked." in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_blocking_an_admin_is_refused(admin_client, admin, make_user):
    other = make_user("boss2", admin=True)
    html = admin_client.get(USERS).get_data(as_text=True)
    assert f"id={other.id}" not in "".join(re.findall(r'row-block" href="([^"]*)"', html))
    with pytest.raises(DomainError, match="An admin can't be blocked."):
        lifecycle.block_customer(admin, other.id, "No")
    page = admin_client.get(f"{USERS}block/?id={other.id}").get_data(as_text=True)
    response = _submit(admin_client, page, "block-form", reason="Let's try")
    assert "An admin can&#39;t be blocked." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert User.get_by_id(other.id).blocked_at is None


def test_blocking_twice_and_forms_without_csrf_are_refused(admin_client, admin, alice):
    lifecycle.block_customer(admin, alice.id, "Spam")
    with pytest.raises(DomainError, match="already blocked"):
        lifecycle.block_customer(admin, alice.id, "Spam again")
    assert User.get_by_id(alice.id).block_reason == "Spam"
    response = admin_client.post(f"{USERS}unblock/?id={alice.id}", data={"url": USERS})
    assert User.get_by_id(alice.id).blocked_at is not None
    assert response.status_code in (302, 400)
    response = admin_client.post(f"{USERS}block/?id={alice.id}", data={"reason": "x"})
    assert response.status_code in (200, 400)


@pytest.fixture
def property_world(app, make_user, make_completed_line):
    return {
        "admin": make_user(username="boss", admin=True),
        "other": make_user(username="neighbour"),
        "make_user": make_user,
    }


def _make(world, owner, status, n):
    from models.listing_input import ListingData
    from models.orders import Order, OrderLine, OrderStatus, Product
    from models.users import utcnow

    product = Product.create(name="P", description="d", price="10")
    order = Order.create(
        user=owner.id, number=f"P{n}-{Listing.select().count()}", status=OrderStatus.COMPLETED, completed_at=utcnow()
    )
    line = OrderLine.create(order=order, product=product, price="10", quantity=1)
    data = ListingData(name=f"Item {n}", description="Call me", price="10", quantity=1)
    listing = lifecycle.put_up_for_sale(owner, line.id, data)
    admin = world["admin"]
    if status == S.APPROVED:
        lifecycle.approve(admin, listing.id)
    elif status == S.DECLINED:
        lifecycle.decline(admin, listing.id, "No label")
    elif status == S.REMOVED:
        lifecycle.remove(admin, listing.id)
    elif status == S.SOLD:
        lifecycle.mark_sold(owner, listing.id)
    elif status == "declined_after_approval":
        lifecycle.approve(admin, listing.id)
        lifecycle.decline(admin, listing.id, "Changed my mind")
    return listing.id


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    statuses=st.lists(
        st.tuples(
            st.booleans(),  # the blocked customer's, or someone else's
            st.sampled_from([S.MODERATION, S.APPROVED, S.DECLINED, S.REMOVED, S.SOLD, "declined_after_approval"]),
        ),
        max_size=8,
    )
)
def test_unblock_restores_exactly_what_the_block_took(property_world, statuses):
    world = property_world
    # A new customer for each example: hypothesis runs them all on the fixture's one database.
    admin, owner = world["admin"], world["make_user"]()
    ids = [_make(world, owner if mine else world["other"], status, n) for n, (mine, status) in enumerate(statuses)]

    def snapshot():
        rows = Listing.select().where(Listing.id.in_(ids or [0]))
        return {r.id: (r.status, r.published_at, r.version > 0, r.name, r.decline_reason) for r in rows}

    before = snapshot()
    taken = lifecycle.block_customer(admin, owner.id, "Junk")
    during = snapshot()
    public_before = {i for i, row in before.items() if row[0] == S.APPROVED}
    owners = dict(Listing.select(Listing.id, Listing.owner).where(Listing.id.in_(ids or [0])).tuples())
    took = {i for i in public_before if owners[i] == owner.id}
    assert taken == len(took)
    for i, row in during.items():
        if i in took:
            assert row[0] == S.DECLINED and row[4] == "Junk"
        else:
            assert row == before[i]  # nothing else moved: others' listings and the owner's non-public ones
    assert lifecycle.unblock_customer(admin, owner.id) == len(took)
    assert snapshot() == before
