"""The moderator's day: demo reason templates, keyboard order of the row actions, the reason's focus."""

import re

from models import DeclineTemplate, ListingStatus

S = ListingStatus


def test_demo_data_seeds_decline_and_remove_reasons_in_both_languages_once(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
    titles = [t.title for t in DeclineTemplate.ordered()]
    assert len(titles) == 8
    assert any(t.startswith("Decline:") for t in titles) and any(t.startswith("Remove:") for t in titles)
    assert any(t.startswith("Отклонить:") for t in titles) and any(t.startswith("Удалить:") for t in titles)


def test_row_actions_are_buttons_in_order_and_the_reason_has_focus(login_as, admin, alice, make_listing):
    client = login_as(admin)
    listing = make_listing(alice)
    DeclineTemplate.create(title="Blurry", text="The photo is blurry.")
    html = client.get("/admin/pristroy/").get_data(as_text=True)
    row = html.split(f'<tr data-row-id="{listing.id}">')[1].split("</tr>")[0]
    # Real buttons (reachable with Tab, in this order), no links pretending to be buttons.
    assert re.findall(r'<button type="submit" name="action" value="(\w+)"', row) == ["approve", "decline", "remove"]
    for kind in ("decline", "remove"):
        page = client.get(f"/admin/pristroy/{kind}/?rowid={listing.id}").get_data(as_text=True)
        textarea = re.search(r"<textarea[^>]*>", page).group(0)
        assert 'name="reason"' in textarea and "autofocus" in textarea
