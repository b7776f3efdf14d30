"""The store's order statuses drive what can be sold: Completed makes lines sellable, leaving it revokes them."""

from models import Listing, ListingStatus, ModerationEvent, Notification, OrderLine, OutgoingMail, User, lifecycle
from models.listing_input import ListingData
from tests.api.conftest import customer_body, line, order_body
from tests.conftest import listing_form_fields

S = ListingStatus


def _put_up(quantity=1, name="Coat"):
    user = User.get(User.external_id == "c1")
    data = ListingData(name=name, description="Worn once.", price="900", quantity=quantity)
    return lifecycle.put_up_for_sale(user, OrderLine.get(OrderLine.external_id == "l1").id, data)


def _sign_in(store, next_path=None):
    body = {"next": next_path} if next_path else None
    url = store.post("/api/v1/customers/c1/login-link", body).get_json()["url"]
    return store.client.get(url.removeprefix("http://localhost"))


def test_an_order_that_leaves_completed_takes_its_open_listings_off_sale(store, pushed, admin):
    store.put("/api/v1/customers/c1", customer_body(language="ru"))
    waiting = _put_up(name="Waiting")
    public = lifecycle.approve(admin, _put_up(name="Public").id)
    sold = lifecycle.mark_sold(User.get(User.external_id == "c1"), _put_up(name="Sold").id)
    assert [item["id"] for item in store.get("/api/v1/listings").get_json()["listings"]] == [public.id]

    response = store.put("/api/v1/orders/o1", order_body(status="cancelled"))
    assert response.status_code == 200
    statuses = {row.name: row.status for row in Listing.select()}
    assert statuses == {"Waiting": S.REMOVED, "Public": S.REMOVED, "Sold": S.SOLD}
    assert store.get("/api/v1/listings").get_json()["listings"] == []
    assert store.get(f"/api/v1/listings/{public.id}").status_code == 404
    # Through the lifecycle: a logged move each, and each owner told why, in their language.
    moves = ModerationEvent.select().where(ModerationEvent.action == "revoke")
    assert sorted(e.listing_id for e in moves) == sorted([waiting.id, public.id])
    notes = list(Notification.select().where(Notification.kind == "withdrawn"))
    assert len(notes) == 2 and all("возврат" in note.reason for note in notes)
    mails = [m for m in OutgoingMail.select() if "снято с продажи" in m.subject.lower()]
    assert len(mails) == 2 and "возврат" in mails[0].body_text
    assert sold.status == S.SOLD

    # The same body again changes nothing; Completed again makes the line sellable again.
    assert store.put("/api/v1/orders/o1", order_body(status="cancelled")).status_code == 200
    assert Notification.select().where(Notification.kind == "withdrawn").count() == 2
    store.put("/api/v1/orders/o1", order_body(status="completed"))
    assert Listing.select().where(Listing.status == S.REMOVED).count() == 2


def test_a_line_cannot_shrink_below_what_is_listed(store, pushed):
    _put_up(quantity=2)
    refused = store.put("/api/v1/orders/o1", order_body(lines=[line(quantity=1)]))
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "conflict" and "2 items of this line are listed" in error["message"]
    assert "lines.0.quantity" in error["fields"]
    assert OrderLine.get().quantity == 3
    dropped = store.put("/api/v1/orders/o1", order_body(lines=[line("other", quantity=1)]))
    assert dropped.status_code == 409 and OrderLine.select().count() == 1
    ok = store.put("/api/v1/orders/o1", order_body(lines=[line(quantity=2)]))
    assert ok.status_code == 200 and ok.get_json()["lines"][0] == {**line(quantity=2), "price": "1400.00", "listed": 2}


def test_the_quantity_rule_holds_across_the_api_and_the_pages(store, pushed):
    """The store shrinks the line to 2; on the site the customer can then list only 2."""
    assert store.put("/api/v1/orders/o1", order_body(lines=[line(quantity=2)])).status_code == 200
    client = store.client
    assert _sign_in(store).headers["Location"] == "/account/orders/completed"
    page = client.get("/account/orders/completed").get_data(as_text=True)
    line_id = OrderLine.get().id
    fields = listing_form_fields(page, quantity="3")
    refused = client.post(f"/account/orders/lines/{line_id}/sell", data=fields, content_type="multipart/form-data")
    assert "Only 2 of 2 items are left to sell." in refused.get_data(as_text=True)
    page = client.get("/account/orders/completed").get_data(as_text=True)
    fields = listing_form_fields(page, quantity="2")
    done = client.post(f"/account/orders/lines/{line_id}/sell", data=fields, content_type="multipart/form-data")
    assert done.status_code in (302, 303) and Listing.get().quantity == 2
    # Now the API can't take those units away.
    assert store.put("/api/v1/orders/o1", order_body(lines=[line(quantity=1)])).status_code == 409


def test_lines_of_an_order_that_is_not_completed_are_not_sellable(store, pushed):
    store.put("/api/v1/orders/o1", order_body(status="shipped"))
    _sign_in(store)
    page = store.client.get("/account/orders/completed").get_data(as_text=True)
    assert "Wool coat" not in page
    store.put("/api/v1/orders/o1", order_body(status="completed"))
    assert "Wool coat" in store.client.get("/account/orders/completed").get_data(as_text=True)
