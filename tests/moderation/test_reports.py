"""The reports queue: grouped by listing, dismissed or acted on, once, on both databases."""

import datetime as dt
import re

from playhouse.test_utils import count_queries
from werkzeug.datastructures import MultiDict

from models import Listing, ListingStatus, Report, lifecycle
from models.reports import Outcome, dismiss_reports, report_queue
from models.users import utcnow
from tests.admin_views.conftest import hidden_fields, parse_forms

S = ListingStatus
QUEUE = "/admin/reports/"


def _forms(html, kind, listing_id):
    return [
        f
        for f in parse_forms(html)
        if f"report-{kind}" in f["attrs"].get("class", "") and ("listing_id", str(listing_id)) in hidden_fields(f)
    ]


def _post(client, form, **fields):
    data = hidden_fields(form) + list(fields.items())
    return client.post(form["attrs"]["action"], data=MultiDict(data))


def test_the_queue_groups_open_reports_by_listing_with_counts_reasons_and_notes(
    admin_client, admin, alice, make_user, make_listing, make_report
):
    coat = make_listing(alice, status=S.APPROVED, admin=admin, name="Fake coat")
    boots = make_listing(alice, status=S.APPROVED, admin=admin, name="Old boots")
    make_listing(alice, status=S.APPROVED, admin=admin, name="Quiet scarf")
    make_report(coat, make_user("rep1"), "fraud")
    make_report(coat, make_user("rep2"), "other", note="Stolen photos")
    make_report(boots, make_user("rep3"), "wrong_info")
    Report.update(created_at=utcnow() - dt.timedelta(days=2)).where(Report.listing == boots.id).execute()

    html = admin_client.get(QUEUE).get_data(as_text=True)
    entries = re.findall(r'data-listing-id="(\d+)"', html)
    assert entries == [str(coat.id), str(boots.id)]  # newest report first; no entry without reports
    assert "Quiet scarf" not in html
    coat_part = html.split(f'data-listing-id="{coat.id}"')[1].split("report-entry")[0]
    assert re.search(r'class="badge badge-danger report-count"[^>]*>2<', coat_part)
    assert "Fraud" in coat_part and "Other" in coat_part and "Stolen photos" in coat_part
    assert "rep1" in coat_part and "rep2" in coat_part
    assert f"/admin/pristroy/edit/?id={coat.id}" in coat_part
    # Oldest first puts the boots (two days old) first; by count puts the coat first.
    oldest = admin_client.get(QUEUE + "?order=oldest").get_data(as_text=True)
    assert re.findall(r'data-listing-id="(\d+)"', oldest) == [str(boots.id), str(coat.id)]
    by_count = admin_client.get(QUEUE + "?order=count").get_data(as_text=True)
    assert re.findall(r'data-listing-id="(\d+)"', by_count)[0] == str(coat.id)
    # The Reports menu entry and the dashboard lead here, with the count and the oldest's age.
    dashboard = admin_client.get("/admin/").get_data(as_text=True)
    assert re.search(r'href="/admin/reports/[^"]*"[^>]*>\s*Reports', dashboard) or ">Reports<" in dashboard
    assert re.search(r'class="open-reports-count" href="/admin/reports/\?order=oldest">3<', dashboard)
    assert "The oldest has waited 2 d 0 h" in dashboard


def test_dismiss_keeps_the_reports_in_the_log_and_leaves_later_ones_open(
    admin_client, admin, alice, make_user, make_listing, make_report
):
    coat = make_listing(alice, status=S.APPROVED, admin=admin)
    first = make_report(coat, make_user("rep1"))
    html = admin_client.get(QUEUE).get_data(as_text=True)
    later = make_report(coat, make_user("rep2"), "prohibited")  # arrives after the page was loaded
    (form,) = _forms(html, "dismiss", coat.id)
    response = _post(admin_client, form, note="Genuine brand, checked the receipt")
    assert response.status_code == 302
    assert "Dismissed 1 report." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    first = Report.get_by_id(first.id)
    assert first.outcome == Outcome.DISMISSED and first.resolved_by_id == admin.id
    assert first.resolution_note == "Genuine brand, checked the receipt"
    assert Report.get_by_id(later.id).resolved_at is None
    assert Listing.get_by_id(coat.id).status == S.APPROVED  # dismissing changes nothing on the listing
    # The same form again: another moderator (or a second click) already dealt with it.
    response = _post(admin_client, form, note="")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Another moderator has already dealt with these reports. Nothing was changed." in page
    assert Report.get_by_id(first.id).resolution_note == "Genuine brand, checked the receipt"


def test_acting_from_the_queue_declines_or_removes_and_closes_the_reports(
    app, admin_client, admin, alice, make_user, make_listing, make_report
):
    coat = make_listing(alice, status=S.APPROVED, admin=admin, name="Fake coat")
    boots = make_listing(alice, status=S.APPROVED, admin=admin, name="Old boots")
    reports = [make_report(coat, make_user()) for _ in range(2)] + [make_report(boots, make_user())]
    html = admin_client.get(QUEUE).get_data(as_text=True)
    (act,) = _forms(html, "act", coat.id)
    # Decline needs a reason: refused with the message, nothing changed.
    response = _post(admin_client, act, action="decline", reason="")
    assert "Give a reason for declining." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert Report.get_by_id(reports[0].id).resolved_at is None
    response = _post(admin_client, act, action="decline", reason="Counterfeit")
    assert response.status_code == 302
    assert Listing.get_by_id(coat.id).status == S.DECLINED
    assert {Report.get_by_id(r.id).outcome for r in reports[:2]} == {Outcome.ACTED}
    assert Report.get_by_id(reports[2].id).resolved_at is None
    # The same decline again (a second moderator with the old page): told, and nothing twice.
    response = _post(admin_client, act, action="decline", reason="Counterfeit")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already dealt with" in page
    assert lifecycle_events(coat.id).count("decline") == 1
    (act,) = _forms(html, "act", boots.id)
    _post(admin_client, act, action="remove", reason="Prohibited item")
    boots = Listing.get_by_id(boots.id)
    assert boots.status == S.REMOVED and boots.reason_shown == "Prohibited item"
    assert Report.get_by_id(reports[2].id).outcome == Outcome.ACTED
    assert "No open reports." in admin_client.get(QUEUE).get_data(as_text=True)


def lifecycle_events(listing_id):
    from models import ModerationEvent

    return [e.action for e in ModerationEvent.select().where(ModerationEvent.listing == listing_id)]


def test_a_decline_made_elsewhere_closes_the_reports_too(admin, alice, make_listing, make_report):
    coat = make_listing(alice, status=S.APPROVED, admin=admin)
    report = make_report(coat)
    lifecycle.decline(admin, coat.id, "Blurry photo")
    assert Report.get_by_id(report.id).outcome == Outcome.ACTED
    assert report_queue()[0] == 0


def test_dismissing_reports_closed_meanwhile_changes_nothing(admin, make_user, alice, make_listing, make_report):
    other_admin = make_user("boss2", admin=True)
    coat = make_listing(alice, status=S.APPROVED, admin=admin)
    report = make_report(coat)
    assert dismiss_reports(other_admin, coat.id, [report.id], "first") == 1
    import pytest

    from models.reports import ReportError

    with pytest.raises(ReportError, match="already dealt with"):
        dismiss_reports(admin, coat.id, [report.id], "second")
    report = Report.get_by_id(report.id)
    assert report.resolved_by_id == other_admin.id and report.resolution_note == "first"


def test_the_queue_costs_the_same_queries_for_10_and_100_reports(
    admin_client, admin, alice, make_user, make_listing, make_report
):
    reporters = [make_user(f"r{n}") for n in range(10)]
    listings = [make_listing(alice, status=S.APPROVED, admin=admin, name=f"Item {n}") for n in range(12)]
    counts = {}
    made = 0
    for target in (10, 100):
        while made < target:
            listing = listings[made % len(listings)]
            reporter = reporters[(made // len(listings)) % len(reporters)]
            reason = ("fraud", "prohibited", "wrong_info", "other")[(made // 120) % 4]
            make_report(listing, reporter, reason, note="see photo")
            made += 1
        with count_queries() as counter:
            response = admin_client.get(QUEUE)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert len(re.findall(r'data-listing-id="', html)) == min(target, len(listings))
        counts[target] = counter.count
    assert counts[10] == counts[100], counts


def test_the_pristroy_list_has_a_reported_filter_and_a_count_column(
    admin_client, admin, alice, make_user, make_listing, make_report
):
    coat = make_listing(alice, status=S.APPROVED, admin=admin, name="Fake coat")
    make_listing(alice, status=S.APPROVED, admin=admin, name="Fine boots")
    make_report(coat, make_user())
    make_report(coat, make_user())
    html = admin_client.get("/admin/pristroy/?flt0_reported_is=yes").get_data(as_text=True)
    assert "Fake coat" in html and "Fine boots" not in html
    assert re.search(r'class="badge badge-danger open-reports" href="/admin/reports/">2<', html)
    full = admin_client.get("/admin/pristroy/").get_data(as_text=True)
    assert "Fine boots" in full and "Reported" in full
