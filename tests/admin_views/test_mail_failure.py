"""A mail server that is down never undoes a moderation: the mail stays pending and is retried."""

import pytest

from models import Listing, ListingStatus, Notification, OutgoingMail
from tests.fake_smtp import FakeSMTPServer, free_port

from .conftest import submit_row


@pytest.fixture
def smtp_port():
    return free_port()  # nothing listens there until a test starts the server below


@pytest.fixture
def app_config(app_config, smtp_port):
    return {
        **app_config,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5,
    }


def test_failing_mail_server_leaves_moderation_done_and_mail_pending(
    app, admin_client, alice, make_listing, smtp_port, caplog
):
    listing = make_listing(alice, name="Green parka")
    html = admin_client.get("/admin/pristroy/").get_data(as_text=True)
    response = submit_row(admin_client, html, listing.id, "approve")

    # The moderator's request succeeds and the approval stays.
    assert response.status_code == 302
    assert "Approved 1 listing." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert Listing.get_by_id(listing.id).status == ListingStatus.APPROVED
    assert Notification.select().where(Notification.user == alice.id).count() == 1
    # The request never tried the mail server: the mail is pending.
    mail = OutgoingMail.get()
    assert mail.sent_at is None and mail.attempts == 0

    # `flask send-mail` tries: the server is down, the mail stays pending, and it says so.
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code != 0 and "failed 1" in result.output
    mail = OutgoingMail.get_by_id(mail.id)
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
    assert any("not sent" in r.getMessage() for r in caplog.records)
    # Not again before its backoff is over.
    assert "Sent 0, failed 0" in runner.invoke(args=["send-mail"]).output
    OutgoingMail.update(next_attempt_at=mail.created_at).execute()  # the backoff is over

    # The server is back: the pending mail goes out.
    server = FakeSMTPServer(smtp_port).start()
    try:
        result = runner.invoke(args=["send-mail"])
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert OutgoingMail.get_by_id(mail.id).sent_at is not None
    assert len(server.messages) == 1 and "alice@example.com" in server.messages[0]
