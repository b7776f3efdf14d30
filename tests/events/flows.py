"""The moves as users make them: through the pages' real forms, CSRF on."""

import time

from models import Listing
from tests.admin_views.conftest import find_form, hidden_fields, submit_row
from tests.conftest import listing_form_fields


def _html(response):
    return response.get_data(as_text=True)


def timed(call):
    """(response, seconds) of one request."""
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def put_up(client, line, **fields):
    """The owner fills in Put up for sale on Completed orders; returns (listing, seconds)."""
    page = _html(client.get("/account/orders/completed"))
    data = listing_form_fields(page, **fields)
    response, seconds = timed(
        lambda: client.post(f"/account/orders/lines/{line.id}/sell", data=data, content_type="multipart/form-data")
    )
    assert response.status_code == 302, _html(response)[:2000]
    return Listing.select().order_by(Listing.id.desc()).get(), seconds


def approve(client, listing):
    """A moderator presses approve in the listing's row of the admin list; returns seconds."""
    page = _html(client.get("/admin/pristroy/"))
    response, seconds = timed(lambda: submit_row(client, page, listing.id, "approve"))
    assert response.status_code == 302
    return seconds


def mark_sold(client, listing):
    """The owner confirms Product was sold on My items for sale; returns seconds."""
    page = _html(client.get("/account/pristroy/"))
    action = f"/account/pristroy/{listing.id}/sold"
    form = find_form(page, lambda f: f["attrs"].get("action") == action)
    response, seconds = timed(lambda: client.post(action, data=dict(hidden_fields(form))))
    assert response.status_code == 302
    return seconds


def sell_it(client, login_as, owner, moderator, line):
    """Put up, approved, sold: three moves by two people; returns (listing, slowest request in seconds)."""
    login_as(owner)
    listing, first = put_up(client, line)
    login_as(moderator)
    second = approve(client, listing)
    login_as(owner)
    third = mark_sold(client, listing)
    return listing, max(first, second, third)
