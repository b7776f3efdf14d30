"""The Pristroy list: order, Sold hidden, the User filter and its autocomplete, search, dates."""

import datetime as dt
import re

import pytest

from models import Listing, ListingStatus

S = ListingStatus
LIST = "/admin/pristroy/"


def names(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    # The name column links to the edit page: collect those links' texts in order.
    return re.findall(r'<td class="col-name"><a href="[^"]*/edit/[^"]*" title="Edit">([^<]+)</a>', html)


@pytest.fixture
def listings(admin, alice, bob, make_user, make_listing):
    carol = make_user("carol", email="zed@mail.test")
    return {
        "alice_waiting": make_listing(alice, name="Alice waiting"),
        "alice_approved": make_listing(alice, status=S.APPROVED, admin=admin, name="Alice approved"),
        "alice_sold": make_listing(alice, status=S.SOLD, name="Alice sold"),
        "bob_waiting": make_listing(bob, name="Bob waiting", description="Red wool scarf"),
        "bob_declined": make_listing(bob, status=S.DECLINED, admin=admin, name="Bob declined"),
        "carol_approved": make_listing(carol, status=S.APPROVED, admin=admin, name="Carol approved"),
    }


def test_waiting_first_then_newest_and_sold_hidden(admin_client, listings):
    shown = names(admin_client, LIST)
    # The list opens on what waits: On moderation first, the longest waiting first.
    assert shown[:2] == ["Alice waiting", "Bob waiting"]
    assert set(shown[2:]) == {"Carol approved", "Bob declined", "Alice approved"}
    assert shown[2:] == ["Carol approved", "Bob declined", "Alice approved"]
    assert "Alice sold" not in shown


def test_the_default_order_holds_across_pages_and_shows_the_waiting_age(admin_client, admin, alice, make_listing):
    """Waiting listings oldest first over page boundaries, then the rest newest first; each waiting
    listing shows how long it has waited."""
    from models.users import utcnow

    waiting = [make_listing(alice, name=f"Wait {n}") for n in range(8)]
    others = [make_listing(alice, status=S.APPROVED, admin=admin, name=f"Done {n}") for n in range(4)]
    now = utcnow()
    for n, listing in enumerate(waiting):  # Wait 7 has waited longest
        Listing.update(created_at=now - dt.timedelta(days=n, hours=1)).where(Listing.id == listing.id).execute()
    for n, listing in enumerate(others):  # Done 3 is the newest
        Listing.update(created_at=now - dt.timedelta(days=10 - n)).where(Listing.id == listing.id).execute()
    pages = [names(admin_client, f"{LIST}?page_size=10&page={p}") for p in range(3)]
    assert pages[0] == [f"Wait {n}" for n in range(7, -1, -1)] + ["Done 3", "Done 2"]
    assert pages[1] == ["Done 1", "Done 0"]
    assert pages[2] == []
    html = admin_client.get(LIST).get_data(as_text=True)
    ages = re.findall(r'class="text-nowrap waiting-age">([^<]+)<', html)
    assert ages[0] == "7 d 1 h" and ages[-1] == "1 h 0 min" and len(ages) == 8
    # The count says all of them, on both pages' tabs.
    assert "List (12)" in html


def test_status_filter_shows_sold_on_request(admin_client, listings):
    assert names(admin_client, LIST + "?flt0_status_equals=sold") == ["Alice sold"]
    assert names(admin_client, LIST + "?flt0_status_equals=declined") == ["Bob declined"]


def test_user_filter_by_login_prefix_and_email_prefix(admin_client, listings):
    alice_rows = {"Alice waiting", "Alice approved"}
    assert set(names(admin_client, LIST + "?flt0_user_starts_with=al")) == alice_rows
    assert set(names(admin_client, LIST + "?flt0_user_starts_with=AL")) == alice_rows
    # carol's email starts with "zed": the email prefix finds her.
    assert names(admin_client, LIST + "?flt0_user_starts_with=zed") == ["Carol approved"]
    # A prefix, not a substring: "lice" is inside "alice" but starts nothing.
    assert names(admin_client, LIST + "?flt0_user_starts_with=lice") == []
    assert names(admin_client, LIST + "?flt0_user_starts_with=nobody") == []
    # LIKE wildcards are literal.
    assert names(admin_client, LIST + "?flt0_user_starts_with=%25") == []
    # Combined with the status filter, it can show alice's Sold listing too.
    both = names(admin_client, LIST + "?flt0_user_starts_with=al&flt1_status_equals=sold")
    assert both == ["Alice sold"]


def test_user_filter_is_offered_with_apply(admin_client, listings):
    html = admin_client.get(LIST).get_data(as_text=True)
    assert '"User": [{"arg": "user_starts_with"' in html
    assert ">Apply</button>" in html
    assert 'id="user-filter-config"' in html and 'data-url="/admin/pristroy/users/"' in html


def test_autocomplete_finds_logins_and_emails_by_prefix(admin_client, listings):
    def logins(q):
        response = admin_client.get("/admin/pristroy/users/", query_string={"q": q})
        assert response.status_code == 200
        assert response.is_json
        return [r["login"] for r in response.get_json()["results"]]

    assert logins("al") == ["alice"]
    assert logins("alice@ex") == ["alice"]
    assert logins("zed") == ["carol"]
    assert logins("b") == ["bob"]
    assert logins("lice") == []
    assert logins("nobody") == []
    assert logins("") == []
    result = admin_client.get("/admin/pristroy/users/?q=al").get_json()["results"][0]
    assert result["email"] == "alice@example.com"


def test_search_over_name_and_description(admin_client, listings):
    assert names(admin_client, LIST + "?search=scarf") == ["Bob waiting"]
    assert set(names(admin_client, LIST + "?search=alice")) == {"Alice waiting", "Alice approved"}


def test_created_date_range(admin_client, listings):
    old = listings["bob_declined"]
    Listing.update(created_at=dt.datetime(2023, 5, 10, 23, 30)).where(Listing.id == old.id).execute()
    assert names(admin_client, LIST + "?flt0_created_between=2023-05-10+to+2023-05-10") == ["Bob declined"]
    assert names(admin_client, LIST + "?flt0_created_between=2023-05-11+to+2023-06-01") == []


def test_columns_and_pagination(admin_client, listings):
    html = admin_client.get(LIST + "?page_size=10").get_data(as_text=True)
    for header in ("Photo", "Name", "Owner", "Order", "Price", "Quantity", "Status", "Created", "Updated"):
        assert re.search(r"<th[^>]*>\s*(<a[^>]*>)?" + header, html), header
    listing = listings["alice_waiting"]
    order_number = listing.order_line.order.number
    assert order_number in html
    assert '<span class="badge badge-warning status-badge">On moderation</span>' in html
    assert "RUB\u00a01,500" in html  # price, as the store writes it in English
    sorted_names = names(admin_client, LIST + "?sort=1")  # by name ascending
    assert sorted_names == sorted(sorted_names)


def test_sorting_by_a_column_that_cannot_be_sorted_is_ignored(admin_client, listings):
    assert admin_client.get(LIST + "?sort=2").status_code == 200


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("timezone", ["UTC", "Europe/Moscow", "America/New_York"])
def test_list_timestamps_as_babel_writes_them(app, monkeypatch, locale, timezone):
    """`when` (strftime in the user's timezone) gives Babel's `yyyy-MM-dd HH:mm` text."""
    from flask_babel import force_locale, format_datetime

    from admin_views.base import WHEN_FORMAT, when

    monkeypatch.setattr(app.extensions["babel"], "default_timezone", timezone)
    values = [dt.datetime(2026, 1, 2, 3, 4, 5), dt.datetime(2026, 7, 31, 23, 59, 59, 999999), dt.datetime(1999, 12, 31)]
    with app.test_request_context("/"), force_locale(locale):
        from flask_babel import get_timezone

        assert str(get_timezone()) == timezone
        for value in values:
            assert when(value) == format_datetime(value, WHEN_FORMAT)
        assert when(None) == ""


def test_row_links_and_buttons(admin_client, admin, alice, make_listing):
    """Each row: the edit icon and the name link to the row's own edit page, its own moderation form."""
    waiting = make_listing(alice, name="Waiting one")
    approved = make_listing(alice, status=S.APPROVED, admin=admin, name="Approved one")
    html = admin_client.get(LIST).get_data(as_text=True)
    for listing in (waiting, approved):
        row = re.search(rf'<tr data-row-id="{listing.id}">(.*?)</tr>', html, re.S).group(1)
        edit = f"/admin/pristroy/edit/?id={listing.id}&amp;url="
        assert row.count(edit) == 2, row  # the icon and the name
        assert f'name="rowid" value="{listing.id}"' in row and f'name="seen_{listing.id}"' in row
    waiting_row = re.search(rf'<tr data-row-id="{waiting.id}">(.*?)</tr>', html, re.S).group(1)
    assert 'value="approve"' in waiting_row and 'value="decline"' in waiting_row
    approved_row = re.search(rf'<tr data-row-id="{approved.id}">(.*?)</tr>', html, re.S).group(1)
    assert 'value="approve"' not in approved_row and 'value="remove"' in approved_row
