"""The dashboard, the moderation log view, the comments view and the decline reasons."""

import datetime as dt
import re

from werkzeug.datastructures import MultiDict

from models import Comment, DeclineTemplate, ListingStatus, ModerationEvent
from models.users import utcnow

from .conftest import find_form, hidden_fields, submit_bulk

S = ListingStatus


def test_dashboard_counts_oldest_and_median(admin_client, admin, alice, make_listing):
    waiting_old = make_listing(alice, name="Old one")
    make_listing(alice, name="New one")
    approved = make_listing(alice, status=S.APPROVED, admin=admin)
    make_listing(alice, status=S.DECLINED, admin=admin)
    make_listing(alice, status=S.SOLD)
    now = utcnow()
    # The old one has waited three days; the approval took two hours.
    ModerationEvent.update(created_at=now - dt.timedelta(days=3, hours=1)).where(
        (ModerationEvent.listing == waiting_old.id) & (ModerationEvent.action == "put_up")
    ).execute()
    ModerationEvent.update(created_at=now - dt.timedelta(hours=5)).where(
        (ModerationEvent.listing == approved.id) & (ModerationEvent.action == "put_up")
    ).execute()
    ModerationEvent.update(created_at=now - dt.timedelta(hours=3)).where(
        (ModerationEvent.listing == approved.id) & (ModerationEvent.action == "approve")
    ).execute()

    html = admin_client.get("/admin/").get_data(as_text=True)
    counts = dict(re.findall(r'data-status="(\w+)">(\d+)<', html))
    assert counts == {
        "moderation": "2",
        "approved": "1",
        "declined": "1",
        "withdrawn": "0",
        "expired": "0",
        "removed": "0",
        "sold": "1",
    }
    oldest = re.search(r'class="h4 oldest-waited">([^<]+)<', html).group(1)
    assert oldest.startswith("3 d 1 h")
    assert "Old one" in html
    # Median of the two decisions (approval: 2 h, decline: about 0 min).
    median = re.search(r'class="h4 median-decision">([^<]+)<', html).group(1)
    assert median.strip() == "1 h 0 min"
    link = re.search(r'<a class="btn btn-primary btn-lg waiting-link" href="([^"]+)"', html).group(1)
    waiting = admin_client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Old one" in waiting and "New one" in waiting
    assert waiting.count('class="action-checkbox"') == 2


def test_dashboard_when_empty(admin_client):
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "Nothing is waiting for moderation." in html and "no data" in html


def test_moderation_log_view_with_filters(admin_client, admin, alice, bob, make_listing):
    mine = make_listing(alice, status=S.DECLINED, admin=admin, name="Alice thing")
    make_listing(bob, status=S.APPROVED, admin=admin, name="Bob thing")
    html = admin_client.get("/admin/moderation-log/").get_data(as_text=True)
    assert "Alice thing" in html and "Bob thing" in html and "Add a photo of the label" in html
    declined = admin_client.get("/admin/moderation-log/?flt0_action_equals=decline").get_data(as_text=True)
    assert "Alice thing" in declined and "Bob thing" not in declined
    by_listing = admin_client.get(f"/admin/moderation-log/?flt0_listing_id_equals={mine.id}").get_data(as_text=True)
    assert by_listing.count("data-row-id=") == 2  # put up, then declined
    by_bob = admin_client.get("/admin/moderation-log/?flt0_who_starts_with=bo").get_data(as_text=True)
    assert "Bob thing" in by_bob and "Alice thing" not in by_bob  # bob put his up himself
    assert "Create" not in html.split("<table", 1)[0]  # read-only: nothing to create
    assert admin_client.get("/admin/moderation-log/new/").status_code == 302


def test_comments_view_deletes_spam(admin_client, admin, alice, bob, make_listing):
    listing = make_listing(alice, status=S.APPROVED, admin=admin, name="Wool coat")
    spam = Comment.create(listing=listing.id, author=bob.id, body="BUY CHEAP WATCHES")
    other = Comment.create(listing=listing.id, author=alice.id, body="Still available")
    spam2 = Comment.create(listing=listing.id, author=bob.id, body="more spam")
    html = admin_client.get("/admin/comments/").get_data(as_text=True)
    assert "BUY CHEAP WATCHES" in html and "Wool coat" in html and "bob" in html
    # Per row: the row's own delete form.
    form = find_form(
        html, lambda f: f["attrs"].get("action", "").endswith("/delete/") and ("id", str(spam.id)) in hidden_fields(f)
    )
    assert admin_client.post(form["attrs"]["action"], data=MultiDict(hidden_fields(form))).status_code == 302
    assert Comment.get_or_none(Comment.id == spam.id) is None
    # In bulk.
    html = admin_client.get("/admin/comments/").get_data(as_text=True)
    submit_bulk(admin_client, html, "delete", [spam2.id])
    assert [c.id for c in Comment.select()] == [other.id]
    assert admin_client.get(f"/admin/comments/edit/?id={other.id}").status_code == 302  # no editing


def test_decline_reason_templates_are_managed_in_the_admin(admin_client):
    html = admin_client.get("/admin/decline-reasons/new/").get_data(as_text=True)
    form = find_form(html, lambda f: "admin-form" in f["attrs"].get("class", ""))
    data = hidden_fields(form) + [("title", "Blurry"), ("text", "The photo is blurry."), ("position", "1")]
    response = admin_client.post("/admin/decline-reasons/new/", data=MultiDict(data))
    assert response.status_code == 302
    assert DeclineTemplate.get().text == "The photo is blurry."
    empty = hidden_fields(form) + [("title", ""), ("text", ""), ("position", "0")]
    assert admin_client.post("/admin/decline-reasons/new/", data=MultiDict(empty)).status_code == 200
    assert DeclineTemplate.select().count() == 1
