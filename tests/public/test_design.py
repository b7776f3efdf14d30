"""The look of the public and account pages, as a visitor and a customer meet it: the user
menu, the heading order, no jQuery on public pages, empty states with a next step, plurals
in both languages, times in the store's time zone."""

import datetime as dt
import re

import pytest
from flask_babel import force_locale, ngettext

from models import ListingStatus
from web import i18n

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
MENU = (
    "/account/orders/",
    "/account/pristroy/",
    "/account/favourites",
    "/account/alerts",
    "/account/notifications",
    "/change",
)


def headings(page):
    return [int(level) for level in re.findall(r"<h([1-6])\b", page)]


def assert_heading_order(page):
    levels = headings(page)
    assert levels and levels[0] == 1, levels
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"a heading skips from h{before} to h{after}: {levels}"


@pytest.fixture
def approved(make_listing, alice, admin):
    return make_listing(alice, status=ListingStatus.APPROVED, admin=admin, quantity=3, name="Wool scarf")


def test_heading_order_on_home_showcase_and_item(client, approved):
    for url in ("/", "/pristroy/", f"/pristroy/{approved.id}", "/pristroy/?q=nothingmatches"):
        page = client.get(url).get_data(as_text=True)
        assert_heading_order(page)
    showcase = client.get("/pristroy/").get_data(as_text=True)
    assert re.search(r'<h2 class="card-title"><a [^>]*>Wool scarf</a></h2>', showcase)


def test_heading_checker_catches_a_skip():
    with pytest.raises(AssertionError):
        assert_heading_order("<h1>a</h1><h3>b</h3>")


def test_public_pages_load_no_jquery_and_defer_their_scripts(client, approved):
    for url in ("/", "/pristroy/", f"/pristroy/{approved.id}", "/login", "/register"):
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"jquery|popper|bootstrap(\.[0-9a-f]+)?\.min\.js|bootstrap\.min\.js", page, re.I), url
        # JSON-LD is data, not a script to load: it has nothing to defer.
        scripts = [tag for tag in re.findall(r"<script\b[^>]*>", page) if "application/ld+json" not in tag]
        assert scripts, url
        assert all(" defer" in tag for tag in scripts), (url, scripts)


def test_the_user_menu_for_a_customer_and_an_admin(client, login_as, alice, admin):
    login_as(alice)
    page = client.get("/").get_data(as_text=True)
    menu = page[page.index('<details class="menu user-menu">') : page.index("</details>")]
    assert "alice" in menu.split("</summary>")[0]
    for href in MENU:
        assert f'href="{href}"' in menu, href
    assert 'href="/admin/"' not in menu
    # Log out is a POST form with its CSRF token.
    assert re.search(r'<form method="post" action="/logout">\s*<input type="hidden" name="csrf_token"', menu)
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', menu).group(1)})
    login_as(admin)
    page = client.get("/pristroy/").get_data(as_text=True)
    assert 'href="/admin/"' in page[page.index("<details") : page.index("</details>")]


def test_a_visitor_has_no_user_menu(client):
    page = client.get("/").get_data(as_text=True)
    assert "<details" not in page
    for href in MENU:
        assert f'href="{href}"' not in page, href
    assert 'href="/login"' in page and 'href="/register"' in page


def test_the_unread_count_in_the_menu_is_a_plural(client, login_as, make_listing, alice, admin):
    for name in ("Coat", "Hat"):
        make_listing(alice, status=ListingStatus.APPROVED, admin=admin, name=name)
    login_as(alice)
    page = client.get("/").get_data(as_text=True)
    assert "2 unread" in page


@pytest.mark.parametrize(
    "url, marker, next_step",
    [
        ("/account/orders/", "no-orders", "/pristroy/"),
        ("/account/orders/completed", "no-completed", "/account/orders/"),
        ("/account/pristroy/", "no-items", "/account/orders/completed"),
        ("/account/favourites", "no-favourites", "/pristroy/"),
        ("/account/alerts", "no-alerts", "/pristroy/"),
        ("/account/notifications", "no-notifications", "/account/pristroy/"),
    ],
)
def test_empty_account_pages_say_what_to_do_next(client, login_as, make_user, url, marker, next_step):
    login_as(make_user(username="newbie"))
    page = client.get(url).get_data(as_text=True)
    box = re.search(rf'<div class="empty-state {marker}">(.*?)</div>', page, re.S)
    assert box, url
    assert "<h2>" in box.group(1) and f'href="{next_step}"' in box.group(1)
    assert_heading_order(page)


def test_empty_showcase_and_search_offer_a_way_on(client):
    page = client.get("/pristroy/").get_data(as_text=True)
    assert "Nothing for sale yet" in page and 'href="/account/orders/completed"' in page
    page = client.get("/pristroy/?q=zebra").get_data(as_text=True)
    assert "Nothing found for “zebra”" in page and "See all listings" in page
    page = client.get("/").get_data(as_text=True)
    assert 'class="empty-state' in page


@pytest.mark.parametrize(
    "n, word", [(1, "1 штука"), (2, "2 штуки"), (5, "5 штук"), (11, "11 штук"), (21, "21 штука"), (22, "22 штуки")]
)
def test_russian_plurals_of_items(app, n, word):
    with app.test_request_context(), force_locale("ru"):
        assert ngettext("%(num)s item", "%(num)s items", n) == word


def test_english_plurals_and_the_item_page(client, app, approved):
    with app.test_request_context(), force_locale("en"):
        assert ngettext("%(num)s item", "%(num)s items", 1) == "1 item"
        assert ngettext("%(num)s item", "%(num)s items", 2) == "2 items"
    assert "3 items" in client.get(f"/pristroy/{approved.id}").get_data(as_text=True)
    assert "3 штуки" in client.get(f"/pristroy/{approved.id}", headers=RU).get_data(as_text=True)


def test_time_elements_are_valid_html(client, approved, login_as, bob):
    login_as(bob)
    page = client.get(f"/pristroy/{approved.id}").get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]*)"', page)
    assert stamps
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)", stamp), stamp


def test_shown_times_are_in_the_store_zone_without_seconds(app_config):
    from app import create_app

    app = create_app({**app_config, "TIMEZONE": "Europe/Moscow"})
    moment = dt.datetime(2026, 12, 1, 10, 20, 57)  # stored naive UTC
    with app.test_request_context(), force_locale("en"):
        shown = i18n.datetime(moment)
        assert "1:20" in shown and "PM" in shown and ":57" not in shown
        assert i18n.isotime(moment) == "2026-12-01T10:20:57Z"
    with app.test_request_context(), force_locale("ru"):
        assert "13:20" in i18n.datetime(moment) and ":57" not in i18n.datetime(moment)
    utc = create_app(app_config)
    with utc.test_request_context(), force_locale("ru"):
        assert "10:20" in i18n.datetime(moment)


def test_a_bad_timezone_is_refused_at_start(app_config):
    from app import create_app
    from web import config

    with pytest.raises(ValueError, match="TIMEZONE='Mars/Olympus' is not an IANA time zone"):
        create_app({**app_config, "TIMEZONE": "Mars/Olympus"})
    with pytest.raises(ValueError, match="IANA"):
        config.load(environ={"TIMEZONE": "Moscow time"})
    assert config.load(environ={"TIMEZONE": "Asia/Tokyo"})["BABEL_DEFAULT_TIMEZONE"] == "Asia/Tokyo"
    assert config.load(environ={})["TIMEZONE"] == "UTC"
