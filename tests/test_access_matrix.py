"""Deny by default: every route of the URL map × every method × anonymous, owner,
another customer and admin. A route added without a rule here fails the suite."""

import pytest
from flask import url_for

from models import Comment, Favourite, ListingStatus, alerts
from models.catalog import Filters
from models.photos import process_image, stage_photo
from tests.conftest import csrf_from, image_bytes

# What each kind of route allows. The owner is the seller of the objects in the URL.
PUBLIC = "public"  # anyone
ANON_FORM = "anon-form"  # login, register: anyone may open; logged-in users are sent on
LOGGED_IN = "logged-in"  # any logged-in user; visitors go to /login
OWNER = "owner"  # only the owner; others get 403, or 404 where the thing is not public
PRIVATE_LISTING = "private-listing"  # a listing that is not public: owner and admins see it
AUTHOR = "author"  # a comment: its author (and admins, who remove spam)
ADMIN = "admin"  # role admin only
API_KEY = "api-key"  # the store connector's writes: its API key only, never a browser session (401)
API_READ = "api-read"  # the API's public reads: anyone, the same answer whoever asks

RULES = {
    "showcase.home": PUBLIC,
    "showcase.index": PUBLIC,
    "showcase.item": PRIVATE_LISTING,
    "showcase.product": PUBLIC,
    "feeds.feed": PUBLIC,
    "feeds.robots": PUBLIC,
    "feeds.sitemap": PUBLIC,
    "feeds.sitemap_chunk": PUBLIC,
    "media.photo": PRIVATE_LISTING,
    "security.static": PUBLIC,
    "favicon": PUBLIC,
    "security.login": ANON_FORM,
    "security.register": ANON_FORM,
    "security.logout": PUBLIC,  # logging out is harmless; for visitors it does nothing
    "security.change_password": LOGGED_IN,
    "security.forgot_password": PUBLIC,  # asking for a reset link: anyone, logged in or not
    "security.reset_password": PUBLIC,  # the token in the mail is the key, not the session
    "security.verify": LOGGED_IN,
    "account.orders": LOGGED_IN,
    "account.completed": LOGGED_IN,
    "account.my_items": LOGGED_IN,
    "account.notifications": LOGGED_IN,
    "account.put_up": OWNER,
    "account.edit": OWNER,
    "account.sold": OWNER,
    "account.change_state": OWNER,  # Take off sale, Put back on sale, Renew
    "account.kept_photo": OWNER,  # a photo kept from a refused form: its uploader only
    "reviews.post": LOGGED_IN,
    "reviews.report": LOGGED_IN,
    "reviews.report_comment": LOGGED_IN,
    "reviews.delete": AUTHOR,
    "favourites.add": LOGGED_IN,  # a listing visitors can't see: 404
    "favourites.remove": LOGGED_IN,
    "favourites.page": LOGGED_IN,
    "favourites.remove_saved": OWNER,  # another customer's favourite: 404
    "alerts.create": LOGGED_IN,  # Notify me of new listings on the showcase
    "alerts.page": LOGGED_IN,
    "alerts.pause": OWNER,  # another customer's alert: 404
    "alerts.resume": OWNER,
    "alerts.delete": OWNER,
    "i18n.set_language": PUBLIC,  # anyone may pick a language (the logged-in switcher: a form with CSRF)
    "i18n.choose_language": PUBLIC,  # the visitors' switcher: a link, a language cookie, no session
    "healthz": PUBLIC,  # for load balancers: says only what is up
    "metrics": PUBLIC,  # by address (METRICS_ALLOW), not by account: others get 404
    "signin.use": PUBLIC,  # the one-time link is the key, not the session
    "api-docs.openapi_json": PUBLIC,
    "api_v1.listings": API_READ,
    "api_v1.listing": API_READ,
    "api_v1.customers": API_KEY,
    "api_v1.login_link": API_KEY,
    "api_v1.products": API_KEY,
    "api_v1.product_photo": API_KEY,
    "api_v1.orders": API_KEY,
}
ADMIN_PREFIXES = ("admin.", "pristroy.", "comments.", "moderation_log.", "decline_templates.", "reports.", "users.")


def rule_for(endpoint):
    if endpoint in RULES:
        return RULES[endpoint]
    if endpoint.startswith(ADMIN_PREFIXES) and endpoint != "admin.static":
        return ADMIN
    return None


def test_every_route_has_an_access_rule(app):
    missing = sorted(
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint not in ("static", "admin.static") and rule_for(r.endpoint) is None
    )
    assert not missing, f"routes without an access rule in this matrix: {missing}"


@pytest.fixture
def world(app, make_user, make_completed_line, make_listing):
    owner = make_user(username="owner")
    other = make_user(username="other")
    admin = make_user(username="boss", admin=True)
    line = make_completed_line(owner, quantity=5)
    waiting = make_listing(owner, line=line, photo=process_image(image_bytes("JPEG"), "a.jpg"))
    public = make_listing(owner, line=line, status=ListingStatus.APPROVED, admin=admin, name="Public coat")
    comment = Comment.create(listing=public.id, author=owner.id, body="Still available")
    favourite = Favourite.create(user=owner.id, listing=public.id)
    alert, _ = alerts.save(owner, Filters(q="coat"))
    # Delete is checked before Pause and Resume: it gets an alert of its own.
    doomed, _ = alerts.save(owner, Filters(q="scarf"))
    photo_name = waiting.photo.filename
    kept = stage_photo(process_image(image_bytes("JPEG"), "b.jpg"), owner.id, "b.jpg")
    return {
        "users": {"owner": owner, "other": other, "admin": admin},
        "args": {
            "listing_id": waiting.id,
            "line_id": line.id,
            "product_id": line.product_id,
            "name": photo_name,
            # The kept photo's token; to the reset page it is just a token that does not verify.
            "token": kept,
            "chunk": 1,
            "move": "withdraw",
            "export_type": "csv",
            "filename": "js/webauthn.js",
            "external_id": "c1",
            "favourite_id": favourite.id,
            "alert_id": alert.id,
            "doomed_alert_id": doomed.id,
            "code": "ru",
        },
        # Routes about comments and reports act on the public listing.
        "comment_args": {"listing_id": public.id, "comment_id": comment.id},
    }


def _login(client, user):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": "secret123", "csrf_token": token})
    assert response.status_code == 302


def _token(client):
    for url in ("/account/orders/", "/login"):
        response = client.get(url)
        if response.status_code == 200:
            return csrf_from(response.get_data(as_text=True))
    raise AssertionError("no page with a CSRF token")


def _url(app, rule, world):
    values = {}
    source = world["comment_args"] if rule.endpoint.startswith("reviews.") else world["args"]
    for arg in rule.arguments:
        values[arg] = source.get(arg, world["args"].get(arg))
    if rule.endpoint == "alerts.delete":
        values["alert_id"] = world["args"]["doomed_alert_id"]
    with app.test_request_context():
        url = url_for(rule.endpoint, **values)
    if rule.endpoint.startswith(ADMIN_PREFIXES) and rule.endpoint.endswith(("edit_view", "details_view")):
        url += f"?id={world['args']['listing_id']}"
    return url


def _is_login_redirect(response):
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", "")


def check(rule_kind, role, response):
    code = response.status_code
    assert code < 500, f"server error {code}"
    if rule_kind == PUBLIC:
        assert code not in (401, 403) and not _is_login_redirect(response)
    elif rule_kind == ANON_FORM:
        assert code not in (401, 403)
    elif rule_kind == LOGGED_IN:
        if role == "anon":
            assert _is_login_redirect(response) or code in (401, 404)
        else:
            assert not _is_login_redirect(response) and code not in (401, 403)
    elif rule_kind == OWNER:
        if role == "anon":
            assert _is_login_redirect(response)
        elif role == "owner":
            assert code not in (401, 403, 404)
        else:
            assert code in (403, 404)
    elif rule_kind == PRIVATE_LISTING:
        if role in ("owner", "admin"):
            assert code == 200
        else:
            assert code == 404
    elif rule_kind == AUTHOR:
        if role == "anon":
            assert _is_login_redirect(response)
        elif role == "other":
            assert code in (403, 404)
        else:
            assert code not in (401, 403, 404)
    elif rule_kind == API_KEY:
        assert code == 401
    elif rule_kind == API_READ:
        # The waiting listing is not public: not found for everyone, its owner and admins included
        # (410 once the owner's walk has marked it sold).
        assert code in (200, 404, 410) and not _is_login_redirect(response)
    elif rule_kind == ADMIN:
        if role == "anon":
            assert _is_login_redirect(response)
        elif role in ("owner", "other"):
            assert code == 403
        else:
            assert code not in (401, 403) and not _is_login_redirect(response)


@pytest.mark.parametrize("role", ["anon", "owner", "other", "admin"])
def test_access_matrix(app, world, role):
    client = app.test_client()
    if role != "anon":
        _login(client, world["users"][role])
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        kind = rule_for(rule.endpoint)
        if kind is None or rule.endpoint in ("static", "admin.static"):
            continue
        url = _url(app, rule, world)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "security.logout" and role != "anon":
                continue  # checked last: it would end this client's session
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": _token(client)})
            try:
                check(kind, role, response)
            except AssertionError as exc:
                failures.append(f"{role} {method} {url} ({rule.endpoint}, {kind}): {response.status_code} {exc}")
            finally:
                response.close()
            if role != "anon":
                assert client.get("/account/orders/").status_code == 200, f"session lost after {method} {url}"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["anon", "owner", "other", "admin"])
def test_every_post_without_a_csrf_token_is_refused(app, world, role):
    from models import Listing, ModerationEvent

    client = app.test_client()
    if role != "anon":
        _login(client, world["users"][role])
    before = (Listing.select().count(), ModerationEvent.select().count(), Comment.select().count())
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("static", "admin.static"):
            continue
        response = client.post(_url(app, rule, world), data={"name": "x", "reason": "x", "body": "x"})
        refusals = (401,) if rule_for(rule.endpoint) == API_KEY else (400, 302, 403, 404)
        assert response.status_code in refusals, (rule.endpoint, response.status_code)
        if response.status_code == 302:  # only a redirect to login, never an action taken
            assert "/login" in response.headers["Location"], rule.endpoint
    assert (Listing.select().count(), ModerationEvent.select().count(), Comment.select().count()) == before


# What a visitor without a session reads: one copy for everyone, so nothing tied to the visitor.
SAME_FOR_EVERY_VISITOR = {
    "showcase.home",
    "showcase.index",
    "showcase.item",
    "showcase.product",
    "feeds.feed",
    "feeds.robots",
    "feeds.sitemap",
    "feeds.sitemap_chunk",
    "api-docs.openapi_json",
    "api_v1.listings",
    "api_v1.listing",
}


def test_anonymous_pages_carry_no_session_and_no_token(app, world):
    """A visitor without a session gets no cookie and no CSRF token on any public read."""
    from web.cache import CACHEABLE

    assert CACHEABLE == SAME_FOR_EVERY_VISITOR
    public_args = dict(world["args"], listing_id=world["comment_args"]["listing_id"])
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in SAME_FOR_EVERY_VISITOR:
            continue
        client = app.test_client()
        url = _url(app, rule, dict(world, args=public_args))
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        assert "csrf_token" not in response.get_data(as_text=True), url
        assert not client.get_cookie("session"), url
        seen.add(rule.endpoint)
    assert seen == SAME_FOR_EVERY_VISITOR


def test_another_sessions_token_is_refused(app, world):
    from models import Listing

    owner = app.test_client()
    _login(owner, world["users"]["owner"])
    thief = app.test_client()
    _login(thief, world["users"]["other"])
    foreign = _token(thief)
    listing_id = world["args"]["listing_id"]
    response = owner.post(f"/account/pristroy/{listing_id}/sold", data={"csrf_token": foreign})
    assert response.status_code == 400
    assert Listing.get_by_id(listing_id).status == ListingStatus.MODERATION


# Every door where a customer sells or writes: a blocked customer is refused at each.
BLOCKED_DOORS = {
    "account.put_up",
    "account.edit",
    "account.sold",
    "account.change_state",
    "reviews.post",
    "reviews.report",
    "reviews.report_comment",
}
# Doors a blocked customer keeps: taking their own words back.
OPEN_WHILE_BLOCKED = {"reviews.delete"}


def test_a_blocked_customer_is_refused_on_every_seller_and_commenter_door(app, world, make_listing):
    """Logged in before the block (an old session), the customer's forms are all refused with the
    block's message, and nothing is written."""
    from models import CommentReport, Listing, ModerationEvent, Report, lifecycle
    from tests.conftest import listing_form_fields

    doors = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and r.endpoint.startswith(("account.", "reviews."))
    }
    assert doors == BLOCKED_DOORS | OPEN_WHILE_BLOCKED, "a new seller or commenter door needs a rule here"

    owner, other, admin = (world["users"][k] for k in ("owner", "other", "admin"))
    elsewhere = make_listing(other, status=ListingStatus.APPROVED, admin=admin, name="Someone else's coat")
    their_comment = Comment.create(listing=elsewhere.id, author=other.id, body="Ask me anything")
    client = app.test_client()
    _login(client, owner)
    lifecycle.block_customer(admin, owner.id, "Junk listings")

    page = client.get("/account/orders/completed").get_data(as_text=True)
    assert "A moderator has blocked you from the flea market" in page
    token = csrf_from(page)
    waiting = world["args"]["listing_id"]
    posts = {
        "account.put_up": (f"/account/orders/lines/{world['args']['line_id']}/sell", listing_form_fields(page)),
        "account.edit": (
            f"/account/pristroy/{waiting}/edit",
            listing_form_fields(page, version=str(Listing.get_by_id(waiting).version)),
        ),
        "account.sold": (f"/account/pristroy/{waiting}/sold", {"csrf_token": token}),
        "account.change_state": (f"/account/pristroy/{waiting}/withdraw", {"csrf_token": token}),
        "reviews.post": (f"/pristroy/{elsewhere.id}/comments", {"csrf_token": token, "body": "Buy mine instead"}),
        "reviews.report": (f"/pristroy/{elsewhere.id}/report", {"csrf_token": token, "reason": "fraud"}),
        "reviews.report_comment": (
            f"/pristroy/{elsewhere.id}/comments/{their_comment.id}/report",
            {"csrf_token": token},
        ),
    }
    assert set(posts) == BLOCKED_DOORS
    before = (
        Listing.select().count(),
        ModerationEvent.select().count(),
        Comment.select().count(),
        Report.select().count(),
        CommentReport.select().count(),
        Listing.get_by_id(waiting).version,
    )
    for endpoint, (url, data) in posts.items():
        response = client.post(url, data=data)
        text = response.get_data(as_text=True)
        assert response.status_code == 403, (endpoint, response.status_code)
        assert "A moderator has blocked you from the flea market" in text, endpoint
        assert "Junk listings" in text, endpoint
    after = (
        Listing.select().count(),
        ModerationEvent.select().count(),
        Comment.select().count(),
        Report.select().count(),
        CommentReport.select().count(),
        Listing.get_by_id(waiting).version,
    )
    assert after == before
    # Unblocked, the same session may post again.
    lifecycle.unblock_customer(admin, owner.id)
    url, data = posts["reviews.post"]
    assert client.post(url, data=data).status_code == 303
