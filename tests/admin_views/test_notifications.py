"""What the owner gets from a moderation: a notification, and a mail sent after the commit."""

import glob
import os
import re
from pathlib import Path

from playhouse.db_url import connect

from models import Listing, ListingStatus, Notification, OutgoingMail
from models import outbox as outbox_module
from models.jobs import get_huey
from tests.conftest import login

from .conftest import hidden_fields, parse_forms, submit_bulk, submit_row

S = ListingStatus
LIST = "/admin/pristroy/"


def outbox(app):
    return sorted(glob.glob(os.path.join(app.instance_path, "outbox", "*.eml")))


def test_done_when_scenario(app, client, login_as, admin, alice, bob, make_listing):
    """Find alice's listings with "al", approve two at once, decline one, remove one."""
    coats = [make_listing(alice, name=f"Alice coat {n}") for n in range(4)]
    make_listing(bob, name="Bob boots")
    login_as(admin)
    url = LIST + "?flt0_user_starts_with=al"
    html = client.get(url).get_data(as_text=True)
    assert "Bob boots" not in html and all(c.name in html for c in coats)

    submit_bulk(client, html, "approve", [coats[0].id, coats[1].id])
    html = client.get(url).get_data(as_text=True)
    response = submit_row(client, html, coats[2].id, "decline")
    decline_html = client.get(response.headers["Location"]).get_data(as_text=True)
    form = next(f for f in parse_forms(decline_html) if "decline-form" in f["attrs"].get("class", ""))
    from werkzeug.datastructures import MultiDict

    client.post(form["attrs"]["action"], data=MultiDict(hidden_fields(form) + [("reason", "Show the label, please")]))
    response = submit_row(client, client.get(url).get_data(as_text=True), coats[3].id, "remove")
    remove_html = client.get(response.headers["Location"]).get_data(as_text=True)
    form = next(f for f in parse_forms(remove_html) if "remove-form" in f["attrs"].get("class", ""))
    client.post(form["attrs"]["action"], data=MultiDict(hidden_fields(form) + [("reason", "Counterfeit brand")]))

    statuses = [Listing.get_by_id(c.id).status for c in coats]
    assert statuses == [S.APPROVED, S.APPROVED, S.DECLINED, S.REMOVED]

    # Alice sees it all: the unread count, the notifications with the reason, her items' statuses.
    client = app.test_client()  # alice's own browser
    assert login(client, "alice", "secret123").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'badge-danger"[^>]*>4</span>', home), "unread count of 4 in the header"
    notes = client.get("/account/notifications").get_data(as_text=True)
    assert notes.count("Your listing was approved") == 2
    assert "Your listing was declined" in notes and "Show the label, please" in notes
    assert "Your listing was removed" in notes and "Counterfeit brand" in notes
    assert not re.search(r'badge-danger"[^>]*>\d+</span>', client.get("/").get_data(as_text=True))
    items = client.get("/account/pristroy/").get_data(as_text=True)
    assert "Show the label, please" in items and "Declined" in items and "Removed" in items
    assert "Counterfeit brand" in items

    # One mail per move, written to instance/outbox/ (no MAIL_SERVER in tests) by the worker.
    assert outbox(app) == []
    assert outbox_module.drain() == (4, 0)
    mails = list(OutgoingMail.select().order_by(OutgoingMail.id))
    assert len(mails) == 4 and all(m.sent_at is not None for m in mails)
    assert {m.recipient for m in mails} == {"alice@example.com"}
    files = outbox(app)
    assert len(files) == 4
    contents = [Path(f).read_text(encoding="utf-8") for f in files]
    assert any("Show the label, please" in text for text in contents)
    assert any("Your listing was removed" in text and "Counterfeit brand" in text for text in contents)
    assert all("alice@example.com" in text for text in contents)


def test_no_notification_or_mail_when_the_move_is_refused(app, admin_client, alice, make_listing):
    from models import lifecycle
    from models.listing_input import ListingData

    listing = make_listing(alice)
    html = admin_client.get(LIST).get_data(as_text=True)
    lifecycle.edit_listing(alice, listing.id, ListingData("Changed", "Changed text", "10", 1))
    submit_row(admin_client, html, listing.id, "approve")
    assert Listing.get_by_id(listing.id).status == S.MODERATION
    assert Notification.select().count() == 0
    assert OutgoingMail.select().count() == 0
    assert outbox(app) == []


def test_mail_is_sent_only_after_the_commit(app, admin_client, alice, make_listing, monkeypatch):
    """When the mail goes out, another connection already sees the approval."""
    listing = make_listing(alice)
    seen_by_other_connection = []
    real_send = outbox_module._send

    def spying_send(mail):
        other = connect(app.config["DATABASE_URL"])
        try:
            row = other.execute_sql(f'SELECT status FROM "{Listing._meta.table_name}" WHERE id = {listing.id}')
            seen_by_other_connection.append(row.fetchone()[0])
        finally:
            other.close()
        return real_send(mail)

    monkeypatch.setattr(outbox_module, "_send", spying_send)
    get_huey(app).immediate = True  # the worker's task runs as soon as the nudge is sent
    submit_row(admin_client, admin_client.get(LIST).get_data(as_text=True), listing.id, "approve")
    assert seen_by_other_connection == [S.APPROVED]
    assert len(outbox(app)) == 1


def test_the_remove_reason_reaches_a_russian_owner_in_russian(app, admin, make_user, make_listing):
    """My items, the notification and the mail say it in the owner's language, with the reason."""
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from models import lifecycle

    ivan = make_user("ivan", locale="ru")
    listing = make_listing(ivan)
    lifecycle.remove(admin, listing.id, reason="Подделка бренда")
    client = app.test_client()
    assert login(client, "ivan", "secret123").status_code == 302
    items = client.get("/account/pristroy/").get_data(as_text=True)
    assert "Подделка бренда" in items and "Удалено" in items
    notes = client.get("/account/notifications").get_data(as_text=True)
    assert "Подделка бренда" in notes and "Ваше объявление удалено" in notes
    assert outbox_module.drain() == (1, 0)
    mail = message_from_bytes(Path(outbox(app)[0]).read_bytes())
    subject = str(make_header(decode_header(mail["Subject"])))
    text = next(part for part in mail.walk() if part.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode("utf-8")
    assert subject == "Ваше объявление удалено" and "Подделка бренда" in body
