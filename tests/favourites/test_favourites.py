"""Favourites through the real doors: the forms (CSRF on), the fetch variant, the page, My items."""

import re

import pytest
from playhouse.test_utils import count_queries

from models import Favourite, Listing, ListingStatus, lifecycle
from tests.conftest import csrf_from


@pytest.fixture
def coat(make_listing, bob, admin):
    return make_listing(bob, status=ListingStatus.APPROVED, admin=admin, name="Red wool coat", price="1234")


def _form(client, listing_id):
    """The item page's favourite form: its action, CSRF token and button label."""
    page = client.get(f"/pristroy/{listing_id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*data-favourite="{listing_id}".*?</form>', page, re.S).group(0)
    action = re.search(r'action="([^"]+)"', form).group(1)
    label = re.search(r'<span class="favourite-label">([^<]+)</span>', form).group(1)
    pressed = re.search(r'aria-pressed="(\w+)"', form).group(1)
    return action, csrf_from(page), label, pressed


def test_add_and_remove_with_the_plain_form_come_back_to_the_page(client, login_as, alice, coat):
    login_as(alice)
    action, token, label, pressed = _form(client, coat.id)
    assert (label, pressed) == ("Add to favourites", "false")
    response = client.post(action, data={"csrf_token": token, "next": f"/pristroy/{coat.id}"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pristroy/{coat.id}")
    action, token, label, pressed = _form(client, coat.id)
    assert (label, pressed) == ("Remove from favourites", "true")
    assert "Red wool coat" in client.get("/account/favourites").get_data(as_text=True)

    response = client.post(action, data={"csrf_token": token, "next": f"/pristroy/{coat.id}"})
    assert response.status_code == 303
    assert _form(client, coat.id)[2] == "Add to favourites"
    assert Favourite.select().count() == 0


def test_saving_twice_is_saving_once_and_next_stays_on_this_site(client, login_as, alice, coat):
    login_as(alice)
    action, token, _label, _pressed = _form(client, coat.id)
    for _ in range(2):
        response = client.post(action, data={"csrf_token": token, "next": "//evil.example/"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/pristroy/{coat.id}")
    assert Favourite.select().count() == 1


def test_a_post_without_the_csrf_token_saves_nothing(client, login_as, alice, coat):
    login_as(alice)
    assert client.post(f"/pristroy/{coat.id}/favourite").status_code == 400
    assert Favourite.select().count() == 0


def test_the_fetch_variant_answers_with_the_new_state(client, login_as, alice, coat):
    login_as(alice)
    action, token, _label, _pressed = _form(client, coat.id)
    headers = {"Accept": "application/json", "X-CSRFToken": token}
    response = client.post(action, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"listing_id": coat.id, "saved": True, "label": "Remove from favourites"}
    assert Favourite.select().where(Favourite.user == alice.id).count() == 1
    response = client.post(f"/pristroy/{coat.id}/unfavourite", headers=headers)
    assert response.get_json()["saved"] is False
    assert Favourite.select().count() == 0
    # Without the token in the header (or the form) nothing happens.
    assert client.post(action, headers={"Accept": "application/json"}).status_code == 400
    assert Favourite.select().count() == 0


def test_a_visitor_is_sent_to_log_in_and_back(client, coat):
    # The visitor's button is a link to log in and back: no form, no token on the page.
    page = client.get(f"/pristroy/{coat.id}").get_data(as_text=True)
    assert f'href="/login?next=/pristroy/{coat.id}"' in page and "favourite-form" not in page
    # A POST all the same (a token from the login page) is sent to log in too.
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(f"/pristroy/{coat.id}/favourite", data={"csrf_token": token, "next": "/pristroy/"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and "next=/pristroy/" in response.headers["Location"]
    response = client.post(
        f"/pristroy/{coat.id}/favourite", headers={"Accept": "application/json", "X-CSRFToken": token}
    )
    assert response.status_code == 401 and "/login" in response.get_json()["login"]
    response = client.get("/account/favourites")
    assert response.status_code == 302 and "next=/account/favourites" in response.headers["Location"]
    assert Favourite.select().count() == 0


def test_a_listing_visitors_cannot_see_cannot_be_saved(client, login_as, alice, bob, make_listing):
    waiting = make_listing(bob, name="Still on moderation")
    login_as(alice)
    token = csrf_from(client.get("/account/orders/").get_data(as_text=True))
    assert client.post(f"/pristroy/{waiting.id}/favourite", data={"csrf_token": token}).status_code == 404
    assert client.post("/pristroy/999999/favourite", data={"csrf_token": token}).status_code == 404
    assert Favourite.select().count() == 0


@pytest.mark.parametrize("leaves", ["sold", "removed", "declined", "edited"])
def test_a_favourite_that_left_the_showcase_reveals_nothing(client, login_as, alice, bob, admin, coat, leaves):
    Favourite.create(user=alice.id, listing=coat.id)
    login_as(alice)
    before = client.get("/account/favourites").get_data(as_text=True)
    price = re.search(r'listing-price">([^<]+)<', before).group(1)
    assert "234" in price and "Red wool coat" in before and "No longer available" not in before
    if leaves == "sold":
        lifecycle.mark_sold(bob, coat.id)
    elif leaves == "removed":
        lifecycle.remove(admin, coat.id)
    else:
        # The owner's edit sends it back to moderation; then a moderator may decline it.
        Listing.update(status=ListingStatus.MODERATION).where(Listing.id == coat.id).execute()
        if leaves == "declined":
            lifecycle.decline(admin, coat.id, "Add a photo of the label")
    page = client.get("/account/favourites").get_data(as_text=True)
    assert "No longer available" in page
    for detail in ("Red wool coat", price, f'/pristroy/{coat.id}"', "/media/"):
        assert detail not in page, detail
    # Its Remove still works.
    favourite = Favourite.get()
    token = csrf_from(page)
    response = client.post(f"/account/favourites/{favourite.id}/remove", data={"csrf_token": token})
    assert response.status_code == 303
    assert "No longer available" not in client.get("/account/favourites").get_data(as_text=True)
    assert Favourite.select().count() == 0


def test_another_customers_favourite_is_not_found(client, login_as, alice, make_user, coat):
    carol = make_user("carol")
    theirs = Favourite.create(user=carol.id, listing=coat.id)
    login_as(alice)
    token = csrf_from(client.get("/account/favourites").get_data(as_text=True))
    assert client.post(f"/account/favourites/{theirs.id}/remove", data={"csrf_token": token}).status_code == 404
    assert Favourite.select().count() == 1
    assert "Red wool coat" not in client.get("/account/favourites").get_data(as_text=True)


def test_the_owner_sees_how_many_people_saved_each_listing(client, login_as, alice, bob, make_user, coat):
    carol = make_user("carol")
    Favourite.create(user=alice.id, listing=coat.id)
    login_as(bob)
    page = client.get("/account/pristroy/").get_data(as_text=True)
    assert "Saved by 1 person" in page
    Favourite.create(user=carol.id, listing=coat.id)
    page = client.get("/account/pristroy/").get_data(as_text=True)
    assert "Saved by 2 people" in page


def test_showcase_cards_carry_the_viewers_state(client, login_as, alice, coat, make_listing, bob, admin):
    other = make_listing(bob, status=ListingStatus.APPROVED, admin=admin, name="Green scarf")
    Favourite.create(user=alice.id, listing=coat.id)
    login_as(alice)
    page = client.get("/pristroy/").get_data(as_text=True)
    saved = re.search(rf'<form[^>]*data-favourite="{coat.id}"[^>]*data-saved="(\w+)"', page).group(1)
    not_saved = re.search(rf'<form[^>]*data-favourite="{other.id}"[^>]*data-saved="(\w+)"', page).group(1)
    assert (saved, not_saved) == ("true", "false")


def _queries(client, url):
    client.get(url)  # warm up: session, compiled queries
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_favourites_page_costs_the_same_for_1_and_20(client, login_as, alice, bob, admin, make_listing):
    listings = [make_listing(bob, status=ListingStatus.APPROVED, admin=admin, name=f"Thing {n}") for n in range(20)]
    Favourite.create(user=alice.id, listing=listings[0].id)
    login_as(alice)
    one = _queries(client, "/account/favourites")
    for listing in listings[1:]:
        Favourite.create(user=alice.id, listing=listing.id)
    lifecycle.mark_sold(bob, listings[5].id)  # a gone one costs nothing extra either
    twenty = _queries(client, "/account/favourites")
    assert twenty == one


def test_showcase_cards_add_no_query_per_card(client, login_as, alice, bob, admin, make_listing):
    first = make_listing(bob, status=ListingStatus.APPROVED, admin=admin, name="Thing 0")
    Favourite.create(user=alice.id, listing=first.id)
    login_as(alice)
    one = _queries(client, "/pristroy/")
    for n in range(1, 12):
        listing = make_listing(bob, status=ListingStatus.APPROVED, admin=admin, name=f"Thing {n}")
        Favourite.create(user=alice.id, listing=listing.id)
    many = _queries(client, "/pristroy/")
    assert many == one


def test_a_blocked_customer_keeps_their_favourites(client, login_as, alice, admin, coat):
    login_as(alice)
    lifecycle.block_customer(admin, alice.id, "Spam")
    action, token, _label, _pressed = _form(client, coat.id)
    assert client.post(action, data={"csrf_token": token}).status_code == 303
    assert "Red wool coat" in client.get("/account/favourites").get_data(as_text=True)
