"""Only Approved listings can be found anonymously; Sold answers 410, the rest 404."""

import pytest

from models import ListingStatus

from .helpers import item_ids, log_out, text_of

S = ListingStatus


@pytest.fixture
def one_of_each(make_user, make_listing):
    """A listing in every status, each with its own name and a shared search word."""
    admin = make_user(username="admin", admin=True)
    seller = make_user(username="seller")
    listings = {}
    for status in S.ALL:
        listings[status] = make_listing(
            seller,
            status=status,
            admin=admin,
            name=f"Lamp {status}",
            description=f"Brass lamp, status {status}. Word: xylophone{status}, and quokka.",
        )
    return admin, seller, listings


def test_item_pages_by_status(client, one_of_each):
    _admin, _seller, listings = one_of_each
    approved = client.get(f"/pristroy/{listings[S.APPROVED].id}")
    assert approved.status_code == 200
    assert "Lamp approved" in text_of(approved)
    for status in (S.MODERATION, S.DECLINED, S.REMOVED):
        response = client.get(f"/pristroy/{listings[status].id}")
        assert response.status_code == 404, status
        assert f"Lamp {status}" not in text_of(response)
    sold = client.get(f"/pristroy/{listings[S.SOLD].id}")
    assert sold.status_code == 410
    assert "has been sold" in text_of(sold)
    # None of its details.
    assert "Lamp sold" not in text_of(sold) and "Brass lamp" not in sold.get_data(as_text=True)
    assert client.get("/pristroy/999999").status_code == 404


def test_lists_show_only_approved(client, one_of_each):
    _admin, _seller, listings = one_of_each
    approved = listings[S.APPROVED].id
    hidden = {listing.id for status, listing in listings.items() if status != S.APPROVED}
    for url in ("/", "/pristroy/", "/pristroy/?q=quokka", "/pristroy/?sort=price", "/pristroy/?sort=-price"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert item_ids(response) == [approved], url
        assert "Lamp moderation" not in text_of(response)
    for status in (S.MODERATION, S.DECLINED, S.REMOVED, S.SOLD):
        response = client.get(f"/pristroy/?q=xylophone{status}")
        assert item_ids(response) == [], status
        assert "Nothing found" in text_of(response)

    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/pristroy/{approved}</loc>" in sitemap
    assert all(f"/pristroy/{i}</loc>" not in sitemap for i in hidden)

    feed = client.get("/pristroy/feed.atom").get_data(as_text=True)
    assert f"/pristroy/{approved}</id>" in feed
    assert all(f"/pristroy/{i}</id>" not in feed for i in hidden)
    assert "Lamp sold" not in feed and "Lamp removed" not in feed


def test_owner_and_admin_see_hidden_listing_with_its_status(client, login_as, make_user, one_of_each):
    admin, seller, listings = one_of_each
    stranger = make_user(username="stranger")

    login_as(seller)
    declined = client.get(f"/pristroy/{listings[S.DECLINED].id}")
    assert declined.status_code == 200
    text = text_of(declined)
    assert "not on the showcase" in text and "Declined" in text
    assert "Add a photo of the label" in text  # the moderator's reason
    sold = client.get(f"/pristroy/{listings[S.SOLD].id}")
    assert sold.status_code == 200 and "Sold" in text_of(sold)

    log_out(client)
    login_as(admin)
    waiting = client.get(f"/pristroy/{listings[S.MODERATION].id}")
    assert waiting.status_code == 200
    assert "On moderation" in text_of(waiting)
    approved = client.get(f"/pristroy/{listings[S.APPROVED].id}")
    assert "not on the showcase" not in text_of(approved)

    log_out(client)
    login_as(stranger)
    assert client.get(f"/pristroy/{listings[S.MODERATION].id}").status_code == 404
    assert client.get(f"/pristroy/{listings[S.SOLD].id}").status_code == 410


def test_empty_showcase_says_what_to_do(client):
    response = client.get("/pristroy/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Nothing for sale yet" in text
    assert "Put it up for sale from your completed orders" in text
    home = text_of(client.get("/"))
    assert "Flea market" in home and "Nothing for sale yet" in home


def test_no_cart_anywhere(client, make_user, make_listing):
    admin = make_user(admin=True)
    listing = make_listing(make_user(), status=S.APPROVED, admin=admin)
    for url in ("/", "/pristroy/", f"/pristroy/{listing.id}"):
        page = text_of(client.get(url)).lower()
        assert "cart" not in page and "add to basket" not in page, url
