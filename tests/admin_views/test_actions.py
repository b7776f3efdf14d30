"""Approve, decline and remove: in bulk and per row, through the pages' real forms, CSRF on."""

import pytest

from models import Listing, ListingStatus, ModerationEvent, lifecycle
from models.listing_input import ListingData

from .conftest import action_form, buttons, hidden_fields, parse_forms, row_form, submit_bulk, submit_row

S = ListingStatus
LIST = "/admin/pristroy/"


def status(listing):
    return Listing.get_by_id(listing.id).status


def page(client, url=LIST):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def three(alice, make_listing):
    return [make_listing(alice, name=f"Coat {n}") for n in range(3)]


def test_bulk_approve_two_at_once(admin_client, three):
    first, second, third = three
    response = submit_bulk(admin_client, page(admin_client), "approve", [first.id, second.id])
    assert response.status_code == 302
    assert (status(first), status(second), status(third)) == (S.APPROVED, S.APPROVED, S.MODERATION)
    html = page(admin_client, response.headers["Location"])
    assert "Approved 2 listings." in html
    events = ModerationEvent.select().where(ModerationEvent.action == "approve")
    assert {e.listing_id for e in events} == {first.id, second.id}


def test_row_approve_and_remove(admin_client, three):
    first, second, _third = three
    assert submit_row(admin_client, page(admin_client), first.id, "approve").status_code == 302
    assert status(first) == S.APPROVED
    html = _reason_page(admin_client, submit_row(admin_client, page(admin_client), second.id, "remove"), "remove")
    assert status(second) == S.MODERATION  # nothing removed before the form is sent
    assert _send_reason(admin_client, html, "remove", "").status_code == 302
    assert status(second) == S.REMOVED
    # A removed listing offers no buttons any more; an approved one cannot be approved again.
    html = page(admin_client, LIST + "?flt0_status_equals=removed")
    assert not [f for f in parse_forms(html) if ("rowid", str(second.id)) in hidden_fields(f)]
    assert buttons(row_form(page(admin_client), first.id)) == ["decline", "remove"]


def _reason_page(client, response, kind):
    assert response.status_code == 302
    assert f"/admin/pristroy/{kind}/" in response.headers["Location"]
    return page(client, response.headers["Location"])


def _send_reason(client, html, kind, reason):
    from werkzeug.datastructures import MultiDict

    form = next(f for f in parse_forms(html) if f"{kind}-form" in f["attrs"].get("class", ""))
    return client.post(form["attrs"]["action"], data=MultiDict(hidden_fields(form) + [("reason", reason)]))


def test_bulk_remove_with_a_reason(admin_client, three):
    html = _reason_page(
        admin_client, submit_bulk(admin_client, page(admin_client), "remove", [item.id for item in three]), "remove"
    )
    assert "will be removed for good" in html
    response = _send_reason(admin_client, html, "remove", "Counterfeit goods are not allowed.")
    assert response.status_code == 302
    assert [status(item) for item in three] == [S.REMOVED] * 3
    assert {Listing.get_by_id(item.id).decline_reason for item in three} == {"Counterfeit goods are not allowed."}
    events = ModerationEvent.select().where(ModerationEvent.action == "remove")
    assert {e.reason for e in events} == {"Counterfeit goods are not allowed."}
    assert "Removed 3 listings." in page(admin_client, response.headers["Location"])


def test_remove_reason_is_optional_but_bounded(admin_client, three):
    first = three[0]
    html = _reason_page(admin_client, submit_row(admin_client, page(admin_client), first.id, "remove"), "remove")
    response = _send_reason(admin_client, html, "remove", "x" * 1001)
    assert response.status_code == 200
    assert "too long" in response.get_data(as_text=True)
    assert status(first) == S.MODERATION
    assert _send_reason(admin_client, html, "remove", "   ").status_code == 302
    assert status(first) == S.REMOVED
    assert Listing.get_by_id(first.id).decline_reason is None


def test_remove_offers_the_same_reason_templates_and_focuses_the_reason(admin_client, three):
    from models import DeclineTemplate

    DeclineTemplate.create(title="Counterfeit", text="Counterfeit goods are not allowed.", position=1)
    for kind in ("decline", "remove"):
        html = _reason_page(admin_client, submit_row(admin_client, page(admin_client), three[0].id, kind), kind)
        assert '<option value="Counterfeit goods are not allowed.">Counterfeit</option>' in html
        assert (
            "autofocus"
            in html.split('name="reason"')[0].rsplit("<textarea", 1)[1] + html.split('name="reason"')[1].split(">")[0]
        )


def test_action_post_without_csrf_token_is_refused(admin_client, three):
    form = action_form(page(admin_client))
    data = [(k, v) for k, v in hidden_fields(form) if k != "csrf_token"]
    data += [("rowid", str(three[0].id)), ("action", "approve")]
    from werkzeug.datastructures import MultiDict

    response = admin_client.post(form["attrs"]["action"], data=MultiDict(data))
    assert response.status_code == 400
    assert status(three[0]) == S.MODERATION
    bad = MultiDict(data + [("csrf_token", "forged")])
    assert admin_client.post(form["attrs"]["action"], data=bad).status_code == 400
    assert status(three[0]) == S.MODERATION


def _decline_page(client, response):
    assert response.status_code == 302
    assert "/admin/pristroy/decline/" in response.headers["Location"]
    return page(client, response.headers["Location"])


def _decline_form(html):
    return next(f for f in parse_forms(html) if "decline-form" in f["attrs"].get("class", ""))


def test_bulk_decline_asks_for_a_reason_then_declines(admin_client, three):
    first, second, third = three
    html = _decline_page(admin_client, submit_bulk(admin_client, page(admin_client), "decline", [first.id, third.id]))
    # The form lists the selected names, and nothing is declined yet.
    assert "Coat 0" in html and "Coat 2" in html and "Coat 1" not in html
    assert status(first) == S.MODERATION
    form = _decline_form(html)
    data = hidden_fields(form) + [("reason", "Add a photo of the label, please.")]
    from werkzeug.datastructures import MultiDict

    response = admin_client.post(form["attrs"]["action"], data=MultiDict(data))
    assert response.status_code == 302
    assert (status(first), status(second), status(third)) == (S.DECLINED, S.MODERATION, S.DECLINED)
    assert Listing.get_by_id(first.id).decline_reason == "Add a photo of the label, please."
    assert "Declined 2 listings." in page(admin_client, response.headers["Location"])


def test_row_decline_and_reason_is_required(admin_client, three):
    first = three[0]
    html = _decline_page(admin_client, submit_row(admin_client, page(admin_client), first.id, "decline"))
    form = _decline_form(html)
    from werkzeug.datastructures import MultiDict

    for reason in ("", "   ", "x" * 1001):
        response = admin_client.post(
            form["attrs"]["action"], data=MultiDict(hidden_fields(form) + [("reason", reason)])
        )
        assert response.status_code == 200, reason
        text = response.get_data(as_text=True)
        assert "Give a reason for declining." in text or "too long" in text
        assert status(first) == S.MODERATION
    response = admin_client.post(
        form["attrs"]["action"], data=MultiDict(hidden_fields(form) + [("reason", "Blurry photo")])
    )
    assert response.status_code == 302
    assert status(first) == S.DECLINED


def test_decline_offers_the_stores_reason_templates(admin_client, three):
    from models import DeclineTemplate

    DeclineTemplate.create(title="No label", text="Add a photo of the label.", position=1)
    html = _decline_page(admin_client, submit_row(admin_client, page(admin_client), three[0].id, "decline"))
    assert 'id="decline-template"' in html
    assert '<option value="Add a photo of the label.">No label</option>' in html


def test_refusals_are_reported_per_listing_while_others_proceed(admin_client, alice, three, make_listing):
    first, second, third = three
    html = page(admin_client, LIST + "?flt0_status_equals=moderation")
    # Meanwhile: the seller edits one listing, and sells another.
    lifecycle.edit_listing(alice, second.id, ListingData("Coat 1 (new)", "Changed text", "1200", 1))
    lifecycle.mark_sold(alice, third.id)
    response = submit_bulk(admin_client, html, "approve", [first.id, second.id, third.id])
    assert (status(first), status(second), status(third)) == (S.APPROVED, S.MODERATION, S.SOLD)
    text = page(admin_client, response.headers["Location"])
    assert "Approved 1 listing." in text
    # Each refusal names its listing.
    assert "“Coat 1 (new)”: This listing was changed by someone else after you opened the page" in text
    # Sold after the page was loaded: the final status is the useful answer.
    assert "Can&#39;t approve “Coat 2”: it is sold." in text


def test_approving_a_sold_listing_is_refused_by_name(admin_client, alice, three):
    first, second, _third = three
    lifecycle.mark_sold(alice, second.id)
    html = page(admin_client, LIST + "?flt0_status_equals=sold")
    assert "Coat 1" in html and "Coat 0" not in html
    response = submit_bulk(admin_client, html, "approve", [second.id])
    assert status(second) == S.SOLD
    text = page(admin_client, response.headers["Location"])
    assert "Can&#39;t approve “Coat 1”: it is sold." in text
    assert "Approved 1 listing" not in text


def test_row_button_carries_the_version_seen(admin_client, alice, three):
    first = three[0]
    html = page(admin_client)
    lifecycle.edit_listing(alice, first.id, ListingData("Coat 0 v2", "New description", "999", 1))
    submit_row(admin_client, html, first.id, "approve")
    assert status(first) == S.MODERATION  # the edit made after the page loaded was not approved unseen
    submit_row(admin_client, page(admin_client), first.id, "approve")
    assert status(first) == S.APPROVED
