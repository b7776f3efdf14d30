"""The anonymous page cache: one copy for every visitor without a session, never a personal
page, never a page older than the last change visitors can see (web/cache.py)."""

import gzip
import os

import pytest
import redis
from playhouse.test_utils import count_queries

from models import Comment, ListingStatus, lifecycle
from models.listing_input import ListingData
from tests.conftest import login
from tests.public.helpers import log_out, text_of

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
PAGES = ("/", "/pristroy/", "/pristroy/?q=jacket", "/sitemap.xml", "/pristroy/feed.atom", "/api/v1/listings")


@pytest.fixture
def listing(alice, admin, make_listing):
    return make_listing(alice, ListingStatus.APPROVED, admin=admin, name="Blue jacket")


def anonymous(app):
    return app.test_client()


def test_anonymous_pages_set_no_cookie_and_are_served_from_the_cache(app, listing):
    client = anonymous(app)
    for url in (*PAGES, f"/pristroy/{listing.id}"):
        first = client.get(url)
        assert first.status_code == 200, url
        assert "Set-Cookie" not in first.headers, url
        assert first.headers["X-Cache"] == "miss", url
        again = client.get(url)
        assert again.headers["X-Cache"] == "hit", url
        assert again.get_data() == first.get_data(), url
        assert "Set-Cookie" not in again.headers, url
    assert not client.get_cookie("session")


def test_cache_control_public_for_visitors_private_for_users(app, client, listing, alice):
    response = anonymous(app).get(f"/pristroy/{listing.id}")
    # Browsers revalidate (so never show a page older than a move); a CDN may keep it briefly.
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert response.headers["CDN-Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert {"Accept-Language", "Accept-Encoding", "Cookie"} <= set(response.vary)
    login(client, "alice", "secret123")
    for url in (f"/pristroy/{listing.id}", "/pristroy/", "/", "/account/orders/", "/account/favourites"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.headers["Cache-Control"] == "private, no-store", url
        assert "X-Cache" not in page.headers, url


def test_a_logged_in_page_is_never_served_to_anyone_else(app, client, listing, alice):
    # The visitor's copy first, then alice: she gets her own page, not the cached one.
    visitor = anonymous(app)
    assert "alice12345" not in visitor.get("/pristroy/").get_data(as_text=True)
    visitor.get(f"/pristroy/{listing.id}")
    login(client, "alice", "secret123")
    for url in ("/pristroy/", f"/pristroy/{listing.id}"):
        mine = client.get(url)
        assert "Log out" in text_of(mine), url
        assert "csrf_token" in mine.get_data(as_text=True), url
    # And the other way round: alice's pages (seen first now) never reach a visitor.
    client.get("/pristroy/?sort=price")
    theirs = anonymous(app).get("/pristroy/?sort=price")
    assert theirs.headers["X-Cache"] == "miss"
    for url in ("/pristroy/", f"/pristroy/{listing.id}", "/pristroy/?sort=price"):
        page = anonymous(app).get(url)
        assert "Log out" not in text_of(page), url
        assert "csrf_token" not in page.get_data(as_text=True), url
        assert "Log in" in text_of(page), url


def test_a_visitor_with_a_session_is_not_served_from_the_cache(app, listing):
    assert anonymous(app).get("/pristroy/").headers["X-Cache"] == "miss"  # a copy is there
    visitor = anonymous(app)
    visitor.get("/login")  # the login form's token puts a session in place
    assert visitor.get_cookie("session")
    visitor.get("/pristroy/")
    response = visitor.get("/pristroy/")
    assert "X-Cache" not in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"


def test_conditional_get_answers_304(app, listing):
    client = anonymous(app)
    first = client.get(f"/pristroy/{listing.id}")
    etag = first.headers["ETag"]
    response = client.get(f"/pristroy/{listing.id}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag
    lifecycle.mark_sold(listing.owner, listing.id)
    # Gone from sale: the old copy is not confirmed.
    assert client.get(f"/pristroy/{listing.id}", headers={"If-None-Match": etag}).status_code == 410


def test_gzip_when_accepted_compressed_once(app, listing):
    client = anonymous(app)
    plain = client.get("/pristroy/")
    zipped = client.get("/pristroy/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["X-Cache"] == "hit"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Content-Encoding" not in plain.headers


def test_each_language_has_its_own_copy(app, listing):
    english = anonymous(app).get("/pristroy/", headers={"Accept-Language": "en"})
    russian = anonymous(app).get("/pristroy/", headers={"Accept-Language": "ru"})
    assert russian.headers["X-Cache"] == "miss"
    assert "Барахолка" in text_of(russian) and "Барахолка" not in text_of(english)
    chosen = anonymous(app)
    chosen.set_cookie("lang", "ru")
    page = chosen.get("/pristroy/", headers={"Accept-Language": "en"})
    assert page.headers["X-Cache"] == "hit"
    assert "Барахолка" in text_of(page)


# ---------------------------------------------------------------- never stale


def _edit(listing, **fields):
    data = ListingData(
        name=fields.get("name", listing.name),
        description=listing.description,
        price=fields.get("price", str(listing.price)),
        quantity=listing.quantity,
    )
    return lifecycle.edit_listing(listing.owner, listing.id, data)


CHANGES = {
    # name: (what it does, what a visitor then sees on the item page and the showcase)
    "approve": lambda listing, admin: lifecycle.approve(admin, _edit(listing, name="Red jacket").id),
    "edit": lambda listing, admin: lifecycle.admin_edit(
        admin,
        listing.id,
        ListingData(name="Green jacket", description=listing.description, price="1500", quantity=1),
    ),
    "sold": lambda listing, admin: lifecycle.mark_sold(listing.owner, listing.id),
    "remove": lambda listing, admin: lifecycle.remove(admin, listing.id),
    "comment": lambda listing, admin: Comment.create(listing=listing.id, author=admin.id, body="Is it waterproof?"),
    "expiry": lambda listing, admin: lifecycle.expire(listing.id),
    "block": lambda listing, admin: lifecycle.block_customer(admin, listing.owner_id, "Spam"),
}


def _visible(app, listing):
    client = anonymous(app)
    item = client.get(f"/pristroy/{listing.id}")
    showcase = client.get("/pristroy/")
    return item.status_code, text_of(item), text_of(showcase)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_no_stale_page_after_a_change(app, listing, admin, change):
    before = _visible(app, listing)
    assert before[0] == 200 and "Blue jacket" in before[2]
    assert anonymous(app).get("/pristroy/").headers["X-Cache"] == "hit"
    CHANGES[change](listing, admin)
    status, item, showcase = _visible(app, listing)
    if change == "approve":
        assert "Red jacket" in item and "Red jacket" in showcase and "Blue jacket" not in showcase
    elif change == "edit":
        assert "Green jacket" in item and "Green jacket" in showcase
    elif change == "comment":
        assert "Is it waterproof?" in item
    else:
        assert status in (404, 410), change
        assert "Blue jacket" not in showcase, change


def test_a_comment_through_the_form_shows_at_once(app, listing, make_user):
    anonymous(app).get(f"/pristroy/{listing.id}")
    bob = make_user("bob")
    writer = app.test_client()
    login(writer, bob.email, "secret123")
    page = writer.get(f"/pristroy/{listing.id}").get_data(as_text=True)
    from tests.conftest import csrf_from

    response = writer.post(
        f"/pristroy/{listing.id}/comments", data={"body": "Still there?", "csrf_token": csrf_from(page)}
    )
    assert response.status_code in (302, 303)
    assert "Still there?" in text_of(anonymous(app).get(f"/pristroy/{listing.id}"))
    log_out(writer)


# ---------------------------------------------------------------- bounds, Redis, queries


def test_the_in_process_cache_is_bounded_in_entries_and_bytes():
    from web.cache import Entry, MemoryStore

    store = MemoryStore(max_entries=2, max_bytes=10_000)
    for n in range(3):
        assert store.set(f"k{n}", Entry(200, [], b"x" * 100), 60)
    assert store.get("k0") is None and store.get("k1") and store.get("k2")
    store.set("big1", Entry(200, [], os.urandom(4000)), 60)
    store.set("big2", Entry(200, [], os.urandom(4000)), 60)
    assert store.bytes <= 10_000 and len(store.entries) <= 2
    assert store.get("big2") is not None and store.get("k2") is None
    assert not store.set("huge", Entry(200, [], os.urandom(20_000)), 60)


def test_the_app_evicts_the_least_recently_used_page(app_config, listing):
    from app import create_app

    small = create_app(dict(app_config, PAGE_CACHE_ENTRIES=2))
    client = small.test_client()
    for url in ("/pristroy/?page=1", "/pristroy/?sort=price", "/pristroy/?sort=new"):
        assert client.get(url).headers["X-Cache"] == "miss"
    assert client.get("/pristroy/?page=1").headers["X-Cache"] == "miss"
    assert client.get("/pristroy/?sort=new").headers["X-Cache"] == "hit"


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError:
        pytest.skip("no Redis for the shared cache test")
    yield TEST_REDIS_URL
    client.flushdb()


def test_two_instances_share_the_cache_and_see_every_change(app_config, listing, admin, shared_redis):
    from app import create_app

    first = create_app(dict(app_config, REDIS_URL=shared_redis, RATELIMIT_STORAGE_URI="memory://"))
    second = create_app(dict(app_config, REDIS_URL=shared_redis, RATELIMIT_STORAGE_URI="memory://"))
    url = f"/pristroy/{listing.id}"
    assert first.test_client().get(url).headers["X-Cache"] == "miss"
    served = second.test_client().get(url)
    assert served.headers["X-Cache"] == "hit" and "Blue jacket" in text_of(served)
    lifecycle.admin_edit(
        admin, listing.id, ListingData(name="Grey jacket", description=listing.description, price="1500", quantity=1)
    )
    for instance in (second, first):
        page = instance.test_client().get(url)
        assert "Grey jacket" in text_of(page) and page.headers["X-Cache"] in ("miss", "hit")


def test_redis_down_pages_still_served(app_config, listing):
    from app import create_app

    down = create_app(dict(app_config, REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://"))
    client = down.test_client()
    for url in ("/", "/pristroy/", f"/pristroy/{listing.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["X-Cache"] == "off", url
        assert "ETag" in response.headers


def test_the_item_page_costs_the_same_queries_whatever_it_holds(app_config, alice, admin, make_listing, make_user):
    from app import create_app

    uncached = create_app(dict(app_config, PAGE_CACHE=False))
    small = make_listing(alice, ListingStatus.APPROVED, admin=admin, name="Small")
    busy = make_listing(alice, ListingStatus.APPROVED, admin=admin, name="Busy")
    for n in range(12):
        author = make_user(f"asker{n}")
        question = Comment.create(listing=busy.id, author=author.id, body=f"Question {n}")
        Comment.create(listing=busy.id, author=alice.id, parent=question.id, body=f"Answer {n}")
    counts = []
    for listing in (small, busy):
        client = uncached.test_client()
        client.get(f"/pristroy/{listing.id}")  # warm the worker (schema check, pools)
        with count_queries() as counter:
            assert client.get(f"/pristroy/{listing.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 4, counts
    warm = create_app(app_config).test_client()
    warm.get(f"/pristroy/{busy.id}")
    with count_queries() as counter:
        assert warm.get(f"/pristroy/{busy.id}").headers["X-Cache"] == "hit"
    assert counter.count == 1  # the catalog version, nothing else
