"""Only the `admin` role reaches the admin: every page, action and ajax endpoint."""

import pytest

from models import Listing, ListingStatus
from tests.conftest import get_csrf


@pytest.fixture
def listing(alice, make_listing):
    return make_listing(alice)


def get_urls(listing_id):
    return [
        "/admin/",
        "/admin/pristroy/",
        f"/admin/pristroy/edit/?id={listing_id}",
        f"/admin/pristroy/decline/?rowid={listing_id}",
        "/admin/pristroy/users/?q=al",
        "/admin/comments/",
        "/admin/moderation-log/",
        "/admin/decline-reasons/",
        "/admin/decline-reasons/new/",
    ]


def post_requests(listing_id):
    """(url, form) of every state-changing admin endpoint, with values that would act."""
    return [
        ("/admin/pristroy/action/", {"action": "approve", "rowid": str(listing_id)}),
        ("/admin/pristroy/action/", {"action": "remove", "rowid": str(listing_id)}),
        ("/admin/pristroy/decline/", {"rowid": str(listing_id), "reason": "Spam"}),
        (
            f"/admin/pristroy/edit/?id={listing_id}",
            {"name": "Hacked", "description": "x", "price": "1", "quantity": "1"},
        ),
        ("/admin/comments/action/", {"action": "delete", "rowid": "1"}),
        ("/admin/comments/delete/", {"id": "1"}),
        ("/admin/decline-reasons/new/", {"title": "t", "text": "x", "position": "0"}),
        ("/admin/decline-reasons/delete/", {"id": "1"}),
    ]


def assert_untouched(listing):
    fresh = Listing.get_by_id(listing.id)
    assert fresh.status == ListingStatus.MODERATION
    assert fresh.name == listing.name


def test_anonymous_is_sent_to_login_everywhere(client, listing):
    for url in get_urls(listing.id):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    token = get_csrf(client, "/login")
    for url, data in post_requests(listing.id):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    assert_untouched(listing)


def test_customer_gets_403_everywhere(client, login_as, bob, listing):
    login_as(bob)
    for url in get_urls(listing.id):
        assert client.get(url).status_code == 403, url
    token = get_csrf(client, "/account/orders/")
    for url, data in post_requests(listing.id):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    assert_untouched(listing)
    assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)


def test_owner_is_no_moderator_either(client, login_as, alice, listing):
    login_as(alice)
    token = get_csrf(client, "/account/orders/")
    response = client.post(
        "/admin/pristroy/action/", data={"action": "approve", "rowid": str(listing.id), "csrf_token": token}
    )
    assert response.status_code == 403
    assert_untouched(listing)


def test_admin_reaches_every_page(admin_client, listing):
    for url in get_urls(listing.id):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    home = admin_client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in home


def test_admin_pages_have_no_inline_scripts(admin_client, listing):
    import re

    for url in get_urls(listing.id):
        html = admin_client.get(url).get_data(as_text=True)
        inline = [s for s in re.findall(r"<script([^>]*)>", html) if "src=" not in s]
        assert not inline, (url, inline)
        assert "onclick=" not in html or url.startswith("/admin/decline-reasons/new"), url
