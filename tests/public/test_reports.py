"""Report this listing: once per reason, three users send it back to moderation."""

import pytest

from models import Listing, ListingStatus, Notification, NotificationKind, Report
from models.reports import ReportReason
from tests.conftest import get_csrf

from .helpers import log_out, text_of

S = ListingStatus


@pytest.fixture
def admin(make_user):
    return make_user(username="admin", admin=True)


@pytest.fixture
def listing(admin, make_user, make_listing):
    return make_listing(make_user(username="owner"), status=S.APPROVED, admin=admin)


def _report(client, listing, reason, note=""):
    url = f"/pristroy/{listing.id}"
    return client.post(f"{url}/report", data={"reason": reason, "note": note, "csrf_token": get_csrf(client, url)})


def test_once_per_reason(client, login_as, make_user, listing):
    login_as(make_user(username="watcher"))
    assert _report(client, listing, ReportReason.FRAUD).status_code == 303
    again = _report(client, listing, ReportReason.FRAUD)
    assert again.status_code == 400
    assert "already reported this listing for this reason" in text_of(again)
    assert _report(client, listing, ReportReason.WRONG_INFO).status_code == 303
    assert Report.select().count() == 2
    page = text_of(client.get(f"/pristroy/{listing.id}"))
    assert "Fraud (already reported)" in page and "Prohibited item (already" not in page


def test_other_needs_a_note_and_bad_input_is_refused(client, login_as, make_user, listing):
    login_as(make_user())
    response = _report(client, listing, ReportReason.OTHER)
    assert response.status_code == 400 and "Say what is wrong" in text_of(response)
    assert _report(client, listing, "nonsense").status_code == 400
    assert _report(client, listing, ReportReason.OTHER, "Photo from the internet").status_code == 303
    assert Report.get().note == "Photo from the internet"


def test_anonymous_and_owner_cannot_report(client, login_as, listing):
    response = client.post(f"/pristroy/{listing.id}/report", data={"reason": ReportReason.FRAUD})
    assert response.status_code in (302, 400, 401)
    assert "Log in to report a listing" in text_of(client.get(f"/pristroy/{listing.id}"))
    login_as(listing.owner)
    response = _report(client, listing, ReportReason.FRAUD)
    assert response.status_code == 400 and "your own listing" in text_of(response)
    assert Report.select().count() == 0


def test_three_different_users_send_it_back_to_moderation(client, login_as, make_user, listing):
    first = make_user(username="first")
    login_as(first)
    # One user's several reasons count once.
    for reason in (ReportReason.FRAUD, ReportReason.PROHIBITED, ReportReason.WRONG_INFO):
        assert _report(client, listing, reason).status_code == 303
    log_out(client)
    login_as(make_user(username="second"))
    assert _report(client, listing, ReportReason.FRAUD).status_code == 303
    assert Listing.get_by_id(listing.id).status == S.APPROVED
    log_out(client)
    login_as(make_user(username="third"))
    response = _report(client, listing, ReportReason.PROHIBITED)
    assert response.status_code == 303
    assert Listing.get_by_id(listing.id).status == S.MODERATION
    assert (
        Notification.select()
        .where((Notification.user == listing.owner_id) & (Notification.kind == NotificationKind.REOPENED))
        .exists()
    )
    log_out(client)
    assert client.get(f"/pristroy/{listing.id}").status_code == 404
    assert f"/pristroy/{listing.id}" not in client.get("/pristroy/").get_data(as_text=True)


def test_admins_see_the_reports_on_the_item_page(client, login_as, make_user, admin, listing):
    login_as(make_user(username="reporter"))
    _report(client, listing, ReportReason.OTHER, "Looks like a counterfeit")
    assert "Looks like a counterfeit" not in text_of(client.get(f"/pristroy/{listing.id}"))
    log_out(client)
    login_as(admin)
    text = text_of(client.get(f"/pristroy/{listing.id}"))
    assert "Reports (seen by admins only)" in text
    assert "reporter · Other: Looks like a counterfeit" in text
    assert [r.note for r in Report.queue()] == ["Looks like a counterfeit"]
    assert Report.open_counts([listing.id]) == {listing.id: 1}
