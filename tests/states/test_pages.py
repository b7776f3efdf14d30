"""The owner's buttons on My items for sale, through the pages with CSRF on."""

import pytest

from models import Listing, ListingStatus, ModerationEvent, lifecycle
from tests.conftest import csrf_from

S = ListingStatus


def html(response):
    return response.get_data(as_text=True)


def row_of(page, listing):
    row = page[page.index(f'id="listing-{listing.id}"') :]
    return row[: row.index("</div>\n</div>")]


def post_move(client, listing, move, **fields):
    page = html(client.get("/account/pristroy/"))
    data = {"csrf_token": csrf_from(page), "version": str(Listing.get_by_id(listing.id).version), **fields}
    return client.post(f"/account/pristroy/{listing.id}/{move}", data=data)


def test_take_off_sale_and_put_back_through_the_page(client, login_as, alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    login_as(alice)
    assert "Take off sale" in row_of(html(client.get("/account/pristroy/")), listing)

    response = post_move(client, listing, "withdraw")
    assert response.status_code == 302
    assert Listing.get_by_id(listing.id).status == S.WITHDRAWN
    page = html(client.get("/account/pristroy/"))
    row = row_of(page, listing)
    assert "Withdrawn" in row and "Put back on sale" in row and "Take off sale" not in row
    # The owner sees its page with its status; a visitor gets a 404.
    assert "Withdrawn" in html(client.get(f"/pristroy/{listing.id}"))
    client.delete_cookie("session")
    assert client.get(f"/pristroy/{listing.id}").status_code == 404

    login_as(alice)
    assert post_move(client, listing, "put_back").status_code == 302
    assert Listing.get_by_id(listing.id).status == S.APPROVED
    client.delete_cookie("session")
    assert client.get(f"/pristroy/{listing.id}").status_code == 200


def test_renew_an_expired_listing_through_the_page(client, login_as, alice, admin, make_listing):
    listing = make_listing(alice, status=S.EXPIRED, admin=admin)
    assert client.get(f"/pristroy/{listing.id}").status_code == 404
    login_as(alice)
    row = row_of(html(client.get("/account/pristroy/")), listing)
    assert "Expired" in row and "Renew" in row
    assert post_move(client, listing, "renew").status_code == 302
    assert Listing.get_by_id(listing.id).status == S.APPROVED


def test_a_move_without_the_csrf_token_is_refused(client, login_as, alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    login_as(alice)
    response = client.post(f"/account/pristroy/{listing.id}/withdraw", data={"version": str(listing.version)})
    assert response.status_code == 400
    assert Listing.get_by_id(listing.id).status == S.APPROVED


def test_someone_elses_listing_is_refused(client, login_as, alice, bob, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    hidden = lifecycle.withdraw(alice, make_listing(alice, status=S.APPROVED, admin=admin).id)
    login_as(bob)
    assert post_move(client, listing, "withdraw").status_code == 403
    assert post_move(client, hidden, "put_back").status_code == 404
    assert Listing.get_by_id(listing.id).status == S.APPROVED
    assert Listing.get_by_id(hidden.id).status == S.WITHDRAWN


def test_selling_some_of_the_units_through_the_page(client, login_as, alice, admin, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, quantity=3)
    login_as(alice)
    page = html(client.get("/account/pristroy/"))
    dialog = page[page.index(f'id="sold-{listing.id}"') :]
    assert 'name="quantity_sold"' in dialog and 'value="3"' in dialog[: dialog.index("</form>")]  # all, by default
    response = post_move(client, listing, "sold", quantity_sold="1")
    assert response.status_code == 302
    after = Listing.get_by_id(listing.id)
    assert (after.status, after.quantity) == (S.APPROVED, 2)
    assert "Sold 1 of" in html(client.get("/account/pristroy/"))
    # The default (all of them) makes it Sold.
    assert post_move(client, listing, "sold", quantity_sold="2").status_code == 302
    assert Listing.get_by_id(listing.id).status == S.SOLD


@pytest.mark.parametrize(
    "typed, message",
    [
        ("0", "Say how many were sold"),
        ("4", "Only 3 are listed."),
        ("two", "Say how many were sold"),
        ("-1", "Say how many were sold"),
        ("99999999999999999999", "Say how many were sold"),
    ],
)
def test_a_bad_quantity_sold_is_said_next_to_the_field(client, login_as, alice, admin, make_listing, typed, message):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, quantity=3)
    events = ModerationEvent.select().where(ModerationEvent.listing == listing.id).count()
    login_as(alice)
    response = post_move(client, listing, "sold", quantity_sold=typed)
    assert response.status_code == 422
    page = html(response)
    dialog = page[page.index(f'id="sold-{listing.id}"') :]
    assert "is-open" in page[page.index(f'id="sold-{listing.id}"') - 60 : page.index(f'id="sold-{listing.id}"')]
    assert message in dialog[: dialog.index("</form>")]
    assert "is-invalid" in dialog[: dialog.index("</form>")]
    after = Listing.get_by_id(listing.id)
    assert (after.status, after.quantity) == (S.APPROVED, 3)
    assert ModerationEvent.select().where(ModerationEvent.listing == listing.id).count() == events


def test_the_new_labels_in_russian(client, login_as, make_user, admin, make_listing):
    olga = make_user("olga", locale="ru")
    approved = make_listing(olga, status=S.APPROVED, admin=admin, name="Пальто")
    withdrawn = make_listing(olga, status=S.WITHDRAWN, admin=admin, name="Шарф")
    expired = make_listing(olga, status=S.EXPIRED, admin=admin, name="Шапка")
    login_as(olga)
    page = html(client.get("/account/pristroy/", headers={"Accept-Language": "ru"}))
    assert "Снять с продажи" in row_of(page, approved)
    assert "Снято с продажи" in row_of(page, withdrawn) and "Вернуть в продажу" in row_of(page, withdrawn)
    assert "Срок истёк" in row_of(page, expired) and "Продлить" in row_of(page, expired)
    assert "Сколько продано?" in page
