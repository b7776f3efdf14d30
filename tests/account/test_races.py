"""Two tabs, one user: double submits and double clicks through the real pages."""

import threading

from models import Listing, ListingStatus
from tests.conftest import csrf_from


def _twice(app, cookie, url, data):
    """POST the same form from two clients with the same session, at the same moment."""
    barrier = threading.Barrier(2)
    codes = [None, None]

    def run(i):
        client = app.test_client()
        client.set_cookie("session", cookie)
        barrier.wait()
        codes[i] = client.post(url, data=dict(data), content_type="multipart/form-data").status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(codes)


def test_double_submit_of_put_up_lists_once(app, client, login_as, make_user, make_completed_line):
    alice = make_user(username="alice")
    line = make_completed_line(alice, quantity=1)
    login_as(alice)
    token = csrf_from(client.get("/account/orders/completed").get_data(as_text=True))
    form = {"csrf_token": token, "name": "Coat", "description": "Call me", "price": "100", "quantity": "1"}
    codes = _twice(app, client.get_cookie("session").value, f"/account/orders/lines/{line.id}/sell", form)
    assert codes == [302, 422]
    assert Listing.select().count() == 1


def test_two_tabs_marking_sold_one_wins(app, client, login_as, make_user, make_listing):
    alice = make_user(username="alice")
    listing = make_listing(alice)
    login_as(alice)
    token = csrf_from(client.get("/account/pristroy/").get_data(as_text=True))
    form = {"csrf_token": token, "version": str(listing.version)}
    codes = _twice(app, client.get_cookie("session").value, f"/account/pristroy/{listing.id}/sold", form)
    assert codes == [302, 302]  # both land back on the list, one with a message
    assert Listing.get_by_id(listing.id).status == ListingStatus.SOLD
    from models import ModerationEvent

    assert ModerationEvent.select().where(ModerationEvent.action == "sell").count() == 1
