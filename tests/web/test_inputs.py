"""No input is a 500: ids past 64 bits, hostile `next` addresses, valid `<time>` values.

Each test uses the `app` fixture, so it runs on SQLite and on PostgreSQL: SQLite
refuses a huge id with OverflowError, PostgreSQL with "out of range".
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from models import ListingStatus
from tests.conftest import csrf_from, get_csrf, listing_form_fields
from web.i18n import safe_next
from web.urls import MAX_ID, parse_id

HUGE = "99999999999999999999999"
JUST_PAST = str(2**63)  # one past the largest BIGINT
ARG_RE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _int_rules(app):
    """Every rule with an `<int:...>` argument, as (path with huge ids, its methods)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(conv == "int" for conv, _name in ARG_RE.findall(rule.rule)):
            continue
        path = ARG_RE.sub(lambda m: HUGE if m.group(1) == "int" else "x", rule.rule)
        found.append((path, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return found


def test_the_int_converter_stops_at_64_bits(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/pristroy/{MAX_ID}")[1] == {"listing_id": MAX_ID}
    for too_big in (JUST_PAST, HUGE):
        with pytest.raises(Exception) as info:
            adapter.match(f"/pristroy/{too_big}")
        assert getattr(info.value, "code", None) == 404


@pytest.mark.parametrize(
    "raw, expected",
    [("42", 42), (" 7 ", 7), (str(MAX_ID), MAX_ID), (JUST_PAST, None), (HUGE, None), ("0", None), ("-3", None)]
    + [("", None), (None, None), ("abc", None), ("1e3", None)],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected


def _walk(client, app, csrf_url):
    rules = _int_rules(app)
    # Every customer-facing page with an id is there (the list is the app's, not ours).
    paths = {path for path, _methods in rules}
    for expected in ("/pristroy/{}", "/products/{}", "/sitemap-{}.xml", "/account/pristroy/{}/edit"):
        assert expected.format(HUGE) in paths
    answers = {}
    for path, methods in rules:
        for method in methods:
            data = {"csrf_token": get_csrf(client, csrf_url), "body": "Hi", "parent_id": HUGE}
            response = client.open(path, method=method, data=data if method == "POST" else None)
            answers[(method, path)] = response.status_code
    server_errors = {key: code for key, code in answers.items() if code >= 500}
    assert not server_errors
    return answers


def test_huge_ids_in_urls_anonymous(app, client):
    answers = _walk(client, app, "/login")
    assert answers[("GET", f"/pristroy/{HUGE}")] == 404
    assert answers[("GET", f"/products/{HUGE}")] == 404
    assert answers[("GET", f"/sitemap-{HUGE}.xml")] == 404


def test_huge_ids_in_urls_logged_in(app, client, login_as, admin):
    login_as(admin)
    answers = _walk(client, app, "/")
    assert {code for (method, path), code in answers.items()} <= {404, 405}
    assert answers[("POST", f"/account/orders/lines/{HUGE}/sell")] == 404
    assert answers[("POST", f"/pristroy/{HUGE}/comments/{HUGE}/delete")] == 404


def test_huge_parent_id_of_a_comment(client, login_as, make_user, make_listing, admin):
    listing = make_listing(make_user(username="olga"), status=ListingStatus.APPROVED, admin=admin)
    login_as(make_user(username="ivan"))
    url = f"/pristroy/{listing.id}"
    response = client.post(
        f"{url}/comments", data={"csrf_token": get_csrf(client, url), "body": "Hi", "parent_id": HUGE}
    )
    assert response.status_code < 500


ADMIN_GETS = [
    f"/admin/pristroy/edit/?id={HUGE}",
    f"/admin/pristroy/edit/?id={JUST_PAST}",
    "/admin/pristroy/edit/?id=abc",
    f"/admin/pristroy/decline/?rowid={HUGE}",
    f"/admin/pristroy/decline/?rowid=1&seen_1={HUGE}",
    f"/admin/decline_templates/edit/?id={HUGE}",
    f"/admin/decline-reasons/edit/?id={HUGE}",
    f"/admin/pristroy/?page={HUGE}",
    f"/admin/comments/?page={HUGE}",
    f"/pristroy/?page={HUGE}",
]


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_huge_ids_in_admin_query_args(client, login_as, admin, url):
    login_as(admin)
    assert client.get(url).status_code < 500


@pytest.mark.parametrize(
    "url, fields",
    [
        ("/admin/pristroy/action/", {"action": "approve", "rowid": HUGE}),
        ("/admin/pristroy/action/", {"action": "remove", "rowid": JUST_PAST}),
        ("/admin/pristroy/action/", {"action": "decline", "rowid": HUGE, f"seen_{HUGE}": HUGE}),
        ("/admin/comments/action/", {"action": "delete", "rowid": HUGE}),
        ("/admin/comments/delete/", {"id": HUGE}),
        ("/admin/decline-reasons/delete/", {"id": HUGE}),
        ("/admin/decline-reasons/action/", {"action": "delete", "rowid": HUGE}),
        (f"/admin/pristroy/edit/?id={HUGE}", {"name": "x"}),
    ],
)
def test_huge_ids_in_admin_forms(client, login_as, admin, make_user, make_listing, url, fields):
    login_as(admin)
    listing = make_listing(make_user(username="olga"))
    token = csrf_from(client.get("/admin/pristroy/").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **fields})
    assert response.status_code < 500
    # A huge version next to a real id is no 500 either.
    response = client.post(
        "/admin/pristroy/action/",
        data={"csrf_token": token, "action": "approve", "rowid": str(listing.id), f"seen_{listing.id}": HUGE},
    )
    assert response.status_code < 500


# ---------------------------------------------------------------- next addresses

HOSTILE_NEXT = [
    "/\nfoo",
    "/%0afoo",
    "/\r\nSet-Cookie: a=b",
    "/\t/evil.com",
    "/%09/evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "//evil.com",
    "///evil.com",
    "/%2F%2Fevil.com",
    "/%2f%5cevil.com",
    "http://evil.com/",
    "https:evil.com",
    "javascript:alert(1)",
    " /evil",
    "/\u200b/evil.com",
    "/\u3000/evil.com",
    "/\uff0f\uff0fevil.com",
    "\uff0f\uff0fevil.com",
    "/%EF%BC%8F%EF%BC%8Fevil.com",
    "/\u202e/moc.live",
    "/\x00",
    "",
]


def _stays_here(location):
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert parts.scheme in ("", "http"), location
    assert parts.path.startswith("/") and not parts.path.startswith("//"), location
    assert "\\" not in location and not any(c.isspace() for c in location), location


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_language_switch_stays_on_the_site(client, target):
    # The visitors' link and the logged-in users' form (its token from the login page) alike.
    response = client.get("/language/ru", query_string={"next": target})
    assert response.status_code == 303
    _stays_here(response.headers["Location"])
    token = get_csrf(client, "/login")
    response = client.post("/language", data={"lang": "ru", "next": target, "csrf_token": token})
    assert response.status_code == 303
    _stays_here(response.headers["Location"])
    assert safe_next(target) in (None, target)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_next_stays_on_the_site(client, make_user, target):
    make_user("ivan", email="ivan@example.com")
    token = get_csrf(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "ivan@example.com", "password": "secret123", "csrf_token": token},
    )
    # Flask-Security checks `next` itself: it refuses it on the form (200) or redirects on this site.
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        where = urljoin("http://localhost/login", response.headers["Location"])
        assert urlsplit(where).netloc == "localhost", response.headers["Location"]


@pytest.mark.parametrize(
    "target, expected",
    [(t, None) for t in HOSTILE_NEXT if t not in ("/%0afoo",)]
    + [
        ("/", "/"),
        ("/pristroy/?q=wool%20coat&page=2", "/pristroy/?q=wool%20coat&page=2"),
        ("/pristroy/42#reviews", "/pristroy/42#reviews"),
        ("/pristroy/?q=пальто", "/pristroy/?q=пальто"),
        # An encoded line break is a path on this site: the browser does not decode it.
        ("/%0afoo", "/%0afoo"),
        (None, None),
        (42, None),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_language_switch_goes_back_to_the_page(client):
    response = client.get("/language/ru", query_string={"next": "/pristroy/?q=coat"})
    assert response.headers["Location"] == "/pristroy/?q=coat"
    token = get_csrf(client, "/login")
    response = client.post("/language", data={"lang": "ru", "next": "/pristroy/?q=coat", "csrf_token": token})
    assert response.headers["Location"] == "/pristroy/?q=coat"


# ---------------------------------------------------------------- invisible text

BLANKS = {
    "zero-width spaces": "\u200b\u200b\u200b",
    "joiners": "\u200c\u200d\u2060",
    "BOM and soft hyphen": "\ufeff\u00ad",
    "Hangul filler": "\u3164",
    "braille blank": "\u2800\u2800",
    "a mix with spaces": " \u200b \u3164 \u2800 ",
}


def _field_error(page, field_id):
    """The error shown right after the field `field_id` (its macro puts it there)."""
    match = re.search(rf'id="{field_id}".*?(?:<div class="invalid-feedback[^"]*"[^>]*>([^<]*)</div>)', page, re.S)
    return match and match.group(1).strip()


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
def test_sell_form_refuses_an_invisible_name_and_description(client, login_as, alice, make_completed_line, blank):
    from models import Listing

    line = make_completed_line(alice)
    login_as(alice)
    url = f"/account/orders/lines/{line.id}/sell"
    for field, message in (("name", "Enter a name."), ("description", "Describe the item")):
        page = client.get("/account/orders/completed").get_data(as_text=True)
        response = client.post(
            url, data=listing_form_fields(page, **{field: blank}), content_type="multipart/form-data"
        )
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in (_field_error(page, f"sell-{line.id}-{field}") or "")
        # What was typed comes back in the form.
        assert blank.strip(" ") in page
        assert Listing.select().count() == 0


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
def test_edit_form_refuses_an_invisible_name(client, login_as, alice, make_listing, blank):
    from models import Listing

    listing = make_listing(alice)
    login_as(alice)
    page = client.get("/account/pristroy/").get_data(as_text=True)
    fields = listing_form_fields(page, name=blank, version=str(listing.version))
    response = client.post(f"/account/pristroy/{listing.id}/edit", data=fields, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a name." in (_field_error(page, f"edit-{listing.id}-name") or "")
    assert Listing.get_by_id(listing.id).name == "Blue jacket"


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
def test_comment_form_refuses_invisible_text(client, login_as, make_user, make_listing, admin, blank):
    from models.comments import Comment

    listing = make_listing(make_user(username="olga"), status=ListingStatus.APPROVED, admin=admin)
    login_as(make_user(username="ivan"))
    url = f"/pristroy/{listing.id}"
    response = client.post(f"{url}/comments", data={"csrf_token": get_csrf(client, url), "body": blank})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'name="body"[^>]*>\s*' + re.escape(blank.strip(" ")), page)
    assert re.search(r"invalid-feedback[^>]*>\s*Write a comment or a question", page)
    assert Comment.select().count() == 0


# ---------------------------------------------------------------- machine-readable times

# What HTML's `datetime` attribute and Atom both accept, and all we write: to the second, UTC.
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_time_values_are_valid_on_the_item_page_and_in_the_feed(client, login_as, make_user, make_listing, admin):
    listing = make_listing(make_user(username="olga"), status=ListingStatus.APPROVED, admin=admin)
    login_as(make_user(username="ivan"))
    url = f"/pristroy/{listing.id}"
    assert client.post(f"{url}/comments", data={"csrf_token": get_csrf(client, url), "body": "Hi"}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    values = re.findall(r'<time datetime="([^"]*)"', page)
    assert len(values) == 2  # Listed, and the comment
    assert all(ISO_RE.match(v) for v in values), values
    feed = client.get("/pristroy/feed.atom").get_data(as_text=True)
    stamps = re.findall(r"<(?:updated|published)>([^<]*)<", feed)
    assert len(stamps) == 3 and all(ISO_RE.match(v) for v in stamps), stamps


def test_isotime():
    import datetime as dt

    from web.i18n import isotime

    assert isotime(dt.datetime(2026, 12, 1, 21, 47, 57, 123456)) == "2026-12-01T21:47:57Z"
    moscow = dt.timezone(dt.timedelta(hours=3))
    assert isotime(dt.datetime(2026, 12, 2, 0, 47, 57, tzinfo=moscow)) == "2026-12-01T21:47:57Z"
    assert isotime("2026-12-01 21:47:57.5") == "2026-12-01T21:47:57Z"
    assert isotime(dt.date(2026, 12, 1)) == "2026-12-01"
    assert isotime(None) == ""
