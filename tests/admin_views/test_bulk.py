"""A bulk action on hundreds of listings goes through in one request and ends with its summary."""

from decimal import Decimal

from playhouse.test_utils import count_queries

from models import Listing, ListingStatus, Notification
from models.demo import bulk_import_listings
from models.users import utcnow

from .conftest import action_form, hidden_fields

LIST = "/admin/pristroy/"
COUNT = 500
PER_APPROVAL = 11  # see the last assertion


def test_approving_500_listings_at_once(admin_client, alice, make_completed_line):
    line = make_completed_line(alice, quantity=COUNT)
    now = utcnow()
    rows = [
        {
            "owner": alice.id,
            "order_line": line.id,
            "name": f"Coat {n}",
            "description": "Worn twice.",
            "price": Decimal("1500"),
            "quantity": 1,
            "status": ListingStatus.MODERATION,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(COUNT)
    ]
    bulk_import_listings(rows)
    ids = [listing_id for (listing_id,) in Listing.select(Listing.id).tuples()]
    assert len(ids) == COUNT
    form = action_form(admin_client.get(LIST).get_data(as_text=True))
    data = hidden_fields(form) + [("rowid", str(i)) for i in ids] + [("action", "approve")]
    from werkzeug.datastructures import MultiDict

    with count_queries() as counter:
        response = admin_client.post(form["attrs"]["action"], data=MultiDict(data))
    assert response.status_code == 302
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Approved {COUNT} listings." in html
    assert Listing.select().where(Listing.status == ListingStatus.APPROVED).count() == COUNT
    assert Notification.select().count() == COUNT
    # Its cost grows by a fixed number of queries per listing (the move's own: lock, update,
    # event, notification, outbox, catalog version), nothing per listing already done.
    # Its time is the benchmark's business (bench/), not a timed test's.
    print(f"{counter.count} queries for {COUNT} approvals")
    assert counter.count <= PER_APPROVAL * COUNT + 20, counter.count
