"""Comments under moderation: hide and restore by an admin; a Report link per comment, once per user."""

import re

from werkzeug.datastructures import MultiDict

from models import Comment, CommentReport, ListingStatus
from tests.admin_views.conftest import find_form, hidden_fields
from tests.conftest import login

S = ListingStatus


def _item(client, listing):
    response = client.get(f"/pristroy/{listing.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _press(client, html, css_class, predicate=lambda f: True, **extra):
    form = find_form(html, lambda f: css_class in f["attrs"].get("class", "") and predicate(f))
    data = hidden_fields(form) + list(extra.items())
    return client.post(form["attrs"]["action"], data=MultiDict(data))


def test_an_admin_hides_a_comment_and_restores_it(app, admin_client, admin, alice, bob, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, name="Scarf")
    rude = Comment.create(listing=listing.id, author=bob.id, body="You are a crook!!!")
    kept = Comment.create(listing=listing.id, author=bob.id, body="Is it still available?")
    html = admin_client.get("/admin/comments/").get_data(as_text=True)
    is_rude = lambda f: ("rowid", str(rude.id)) in hidden_fields(f)  # noqa: E731
    response = _press(admin_client, html, "row-comment", is_rude, action="hide")
    assert response.status_code == 302
    assert "Hid 1 comment." in admin_client.get(response.headers["Location"]).get_data(as_text=True)

    visitor = app.test_client()
    page = _item(visitor, listing)
    assert "You are a crook" not in page and "Hidden by a moderator" in page
    assert "Is it still available?" in page
    assert re.search(r'id="reviews-tab"[^>]*>Reviews <span class="badge badge-light">1<', page)
    # It stays for the log: the admin list still shows the text, marked as hidden.
    html = admin_client.get("/admin/comments/").get_data(as_text=True)
    assert "hidden by a moderator" in html and "You are a crook" in html
    hidden = Comment.get_by_id(rude.id)
    assert hidden.hidden_by_id == admin.id and hidden.body == "You are a crook!!!"

    response = _press(admin_client, html, "row-comment", is_rude, action="restore")
    assert "Restored 1 comment." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are a crook" in _item(visitor, listing)
    assert Comment.get_by_id(kept.id).hidden_at is None


def test_a_report_link_per_comment_once_per_user_reaches_the_queue(app, admin_client, admin, alice, bob, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, name="Scarf")
    rude = Comment.create(listing=listing.id, author=alice.id, body="Buy it or get lost")
    bob_client = app.test_client()
    assert login(bob_client, "bob", "secret123").status_code == 302
    page = _item(bob_client, listing)
    response = _press(bob_client, page, "comment-report")
    assert response.status_code == 303
    assert "Thank you. A moderator will look at this comment." in bob_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    response = _press(bob_client, page, "comment-report")
    assert "You have already reported this comment." in bob_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert CommentReport.select().count() == 1
    # The author has no Report link on their own comment.
    alice_client = app.test_client()
    assert login(alice_client, "alice", "secret123").status_code == 302
    assert "comment-report" not in _item(alice_client, listing)

    queue = admin_client.get("/admin/reports/").get_data(as_text=True)
    entry = queue.split(f'data-comment-id="{rude.id}"')[1]
    assert "Buy it or get lost" in entry and "bob" in entry
    response = _press(admin_client, queue, "comment-report-hide")
    assert response.status_code == 302
    assert Comment.get_by_id(rude.id).hidden_at is not None
    assert CommentReport.get().outcome == "acted"
    assert "No reported comments." in admin_client.get("/admin/reports/").get_data(as_text=True)


def test_dismissing_a_comments_reports_twice_says_so(app, admin_client, admin, alice, bob, make_listing):
    from models.comments import report_comment

    listing = make_listing(alice, status=S.APPROVED, admin=admin)
    comment = Comment.create(listing=listing.id, author=alice.id, body="Fine text")
    report_comment(bob, comment.id, listing.id)
    queue = admin_client.get("/admin/reports/").get_data(as_text=True)
    _press(admin_client, queue, "comment-report-dismiss")
    assert CommentReport.get().outcome == "dismissed"
    assert Comment.get_by_id(comment.id).hidden_at is None
    response = _press(admin_client, queue, "comment-report-dismiss")
    assert "already dealt with" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
