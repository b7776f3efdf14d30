"""Search alerts through the doors customers use: saved from the showcase, managed at
/account/alerts, matched by the job after an approval, notified in the app and by a daily mail."""

import datetime as dt
import re

from click.testing import CliRunner
from playhouse.test_utils import count_queries

from models import AlertWork, Listing, ListingStatus, Notification, OutgoingMail, SearchAlert, lifecycle
from models.alerts import AlertMatch, mail_due, match_due
from models.users import utcnow
from tests.admin_views.conftest import submit_row
from tests.conftest import csrf_from

S = ListingStatus
DAY = dt.timedelta(days=1)


def _save(client, **search):
    """Press Notify me of new listings on the showcase page of this search."""
    page = client.get("/pristroy/", query_string=search).get_data(as_text=True)
    assert "Notify me of new listings" in page or "Сообщать о новых объявлениях" in page
    form = re.search(r'<form method="post" action="/account/alerts".*?</form>', page, re.S).group(0)
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    return client.post("/account/alerts", data=data)


def _notes(user):
    return list(Notification.select().where((Notification.user == user.id) & (Notification.kind == "alert")))


def _alert_mails(user):
    return [
        m
        for m in OutgoingMail.select().where(OutgoingMail.recipient == user.email).order_by(OutgoingMail.id)
        if "search alert" in m.subject or "поиск" in m.subject.lower()
    ]


def _approved(make_listing, seller, admin, **kw):
    listing = make_listing(seller, **kw)
    return lifecycle.approve(admin, listing.id)


# ---------------------------------------------------------------- saving and managing


def test_saved_from_the_showcase_with_its_filters(client, login_as, bob):
    login_as(bob)
    response = _save(client, q="wool scarves", min="100", max="900", sort="price")
    assert response.status_code == 303 and "/account/alerts" in response.headers["Location"]
    (alert,) = SearchAlert.select()
    assert (alert.user_id, alert.q, alert.price_min, alert.price_max) == (bob.id, "wool scarves", 100, 900)
    assert sorted(t.term for t in alert.terms) == ["scarf", "wool"]
    page = client.get("/account/alerts").get_data(as_text=True)
    assert "Search alert saved." in page
    assert "“wool scarves”" in page and "price from" in page and "Active" in page
    assert 'href="/pristroy/?q=wool+scarves&amp;min=100&amp;max=900"' in page


def test_an_empty_search_is_refused_with_a_message(client, login_as, bob):
    login_as(bob)
    token = csrf_from(client.get("/pristroy/").get_data(as_text=True))
    assert "Notify me of new listings" not in client.get("/pristroy/").get_data(as_text=True)
    for q in ("", "  ", "!!!"):
        response = client.post("/account/alerts", data={"csrf_token": token, "q": q})
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Type what you are looking for or set a price range first" in page
    assert SearchAlert.select().count() == 0
    # A price range alone is a search.
    assert _save(client, max="500").status_code == 303
    assert SearchAlert.select().count() == 1


def test_a_duplicate_is_told_not_saved_twice(client, login_as, bob, alice):
    login_as(bob)
    _save(client, q="scarves", max="500")
    response = _save(client, q="Scarf", max="500.00")  # the same words by form, the same range
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You already have this search alert." in page
    assert SearchAlert.select().count() == 1
    _save(client, q="scarves", max="600")  # another range: another alert
    login_as(alice)
    _save(client, q="scarves", max="500")  # another user: their own
    assert SearchAlert.select().count() == 3


def test_pause_resume_delete(client, login_as, bob):
    login_as(bob)
    _save(client, q="scarves")
    alert = SearchAlert.get()
    token = csrf_from(client.get("/account/alerts").get_data(as_text=True))
    assert client.post(f"/account/alerts/{alert.id}/pause", data={"csrf_token": token}).status_code == 303
    page = client.get("/account/alerts").get_data(as_text=True)
    assert SearchAlert.get_by_id(alert.id).paused and "Paused" in page and ">Resume<" in page
    client.post(f"/account/alerts/{alert.id}/resume", data={"csrf_token": token})
    assert not SearchAlert.get_by_id(alert.id).paused
    assert client.post(f"/account/alerts/{alert.id}/pause", data={}).status_code == 400  # no CSRF token
    assert not SearchAlert.get_by_id(alert.id).paused
    client.post(f"/account/alerts/{alert.id}/delete", data={"csrf_token": token})
    assert SearchAlert.select().count() == 0
    assert "No search alerts yet." in client.get("/account/alerts").get_data(as_text=True)


def test_the_alerts_page_reads_in_the_same_queries_for_1_and_12_alerts(client, login_as, bob):
    login_as(bob)

    def queries():
        with count_queries() as counter:
            assert client.get("/account/alerts").status_code == 200
        return counter.count

    _save(client, q="scarves", min="10")
    one = queries()
    for n in range(11):
        _save(client, q=f"coat{n} wool", max=str(100 + n))
    assert SearchAlert.select().count() == 12
    assert queries() == one


def test_another_users_alert_is_not_found_and_visitors_go_to_login(app, client, login_as, bob, alice):
    login_as(bob)
    _save(client, q="scarves")
    alert = SearchAlert.get()
    login_as(alice)
    token = csrf_from(client.get("/account/alerts").get_data(as_text=True))
    assert "scarves" not in client.get("/account/alerts").get_data(as_text=True)
    for action in ("pause", "resume", "delete"):
        response = client.post(f"/account/alerts/{alert.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 404, action
    assert SearchAlert.get_by_id(alert.id).paused_at is None
    visitor = app.test_client()
    response = visitor.get("/account/alerts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = visitor.get("/pristroy/?q=scarves").get_data(as_text=True)
    link = re.search(r'href="([^"]*/login[^"]*)"[^>]*>Notify me of new listings', page).group(1)
    assert "next=/pristroy/?q%3Dscarves" in link.replace("%2F", "/").replace("%3F", "?")
    token = csrf_from(visitor.get("/login").get_data(as_text=True))
    response = visitor.post("/account/alerts", data={"csrf_token": token, "q": "scarves"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "next=/pristroy/?q%3Dscarves" in response.headers["Location"].replace("%2F", "/").replace("%3F", "?")


def test_the_alerts_tab_is_on_the_account_pages(client, login_as, bob):
    login_as(bob)
    page = client.get("/account/orders/").get_data(as_text=True)
    assert 'href="/account/alerts">Search alerts</a>' in page


# ---------------------------------------------------------------- matching


def test_matched_by_word_form_in_both_languages(client, login_as, bob, alice, admin, make_listing):
    login_as(bob)
    _save(client, q="scarves")
    _save(client, q="шарфы")
    _save(client, q="gloves")
    _approved(make_listing, alice, admin, name="Red scarf")
    _approved(make_listing, alice, admin, name="Шерстяной шарф")
    assert match_due(utcnow()) == (2, 0)
    assert sorted(n.listing_name for n in _notes(bob)) == ["Red scarf", "Шерстяной шарф"]
    assert sorted(n.reason for n in _notes(bob)) == ["scarves", "шарфы"]
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "New listing for your search alert" in page and "Your search:" in page


def test_filters_are_respected(client, login_as, bob, alice, admin, make_listing):
    login_as(bob)
    _save(client, q="scarf", max="1000")
    _save(client, q="scarf", min="2000")
    _save(client, min="1200", max="1800")  # price only
    _save(client, q="scarf silk")  # both words needed
    _approved(make_listing, alice, admin, name="Red scarf", price="1500")
    match_due(utcnow())
    assert sorted(n.reason for n in _notes(bob)) == [""]  # only the price-only alert
    _approved(make_listing, alice, admin, name="Silk scarf", price="900")
    match_due(utcnow())
    assert sorted(n.reason for n in _notes(bob)) == ["", "scarf", "scarf silk"]


def test_paused_alerts_the_owner_and_listings_gone_are_not_notified(client, login_as, bob, alice, admin, make_listing):
    login_as(bob)
    _save(client, q="scarf")
    alert = SearchAlert.get()
    token = csrf_from(client.get("/account/alerts").get_data(as_text=True))
    client.post(f"/account/alerts/{alert.id}/pause", data={"csrf_token": token})
    _approved(make_listing, alice, admin, name="Red scarf")
    assert match_due(utcnow()) == (0, 0)
    client.post(f"/account/alerts/{alert.id}/resume", data={"csrf_token": token})
    _approved(make_listing, bob, admin, name="Bob's own scarf")
    gone = _approved(make_listing, alice, admin, name="Blue scarf")
    lifecycle.mark_sold(alice, gone.id)  # sold before the job came
    assert match_due(utcnow()) == (0, 0)
    assert _notes(bob) == [] and AlertWork.select().count() == 0


def test_the_approve_request_only_records_the_work(app, client, login_as, bob, alice, admin, make_listing):
    login_as(bob)
    _save(client, q="scarf")
    listing = make_listing(alice, name="Red scarf")
    moderator = app.test_client()
    token = csrf_from(moderator.get("/login").get_data(as_text=True))
    moderator.post("/login", data={"email": admin.email, "password": "secret123", "csrf_token": token})
    page = moderator.get("/admin/pristroy/").get_data(as_text=True)
    assert submit_row(moderator, page, listing.id, "approve").status_code == 302
    assert Listing.get_by_id(listing.id).status == S.APPROVED
    assert [w.listing_id for w in AlertWork.select()] == [listing.id]
    assert _notes(bob) == [] and AlertMatch.select().count() == 0
    result = CliRunner().invoke(app.cli, ["run-jobs"], catch_exceptions=False)
    assert "Search alerts: notified 1, failed 0." in result.output, result.output
    assert [n.listing_name for n in _notes(bob)] == ["Red scarf"]
    assert AlertWork.select().count() == 0


def test_back_on_the_showcase_matches_new_alerts_only(client, login_as, bob, alice, admin, make_listing):
    login_as(bob)
    _save(client, q="scarf")
    listing = _approved(make_listing, alice, admin, name="Red scarf")
    assert match_due(utcnow()) == (1, 0)
    lifecycle.withdraw(alice, listing.id)
    _save(client, q="red")
    lifecycle.put_back(alice, listing.id)  # Approved again without a moderator: matched again
    assert match_due(utcnow()) == (1, 0)  # the new alert; the first one was told already
    assert sorted(n.reason for n in _notes(bob)) == ["red", "scarf"]


# ---------------------------------------------------------------- the daily mail


def test_at_most_one_mail_a_day_per_alert_with_the_matches_batched(client, login_as, bob, alice, admin, make_listing):
    login_as(bob)
    _save(client, q="scarf")
    start = utcnow()
    first = _approved(make_listing, alice, admin, name="Red scarf")
    match_due(start)
    assert mail_due(start) == (1, 0)
    (mail,) = _alert_mails(bob)
    assert f"/pristroy/{first.id}" in mail.body_text and "Red scarf" in mail.body_text
    _approved(make_listing, alice, admin, name="Blue scarf")
    _approved(make_listing, alice, admin, name="Green scarf")
    gone = _approved(make_listing, alice, admin, name="Grey scarf")
    match_due(start + dt.timedelta(hours=1))
    assert len(_notes(bob)) == 4  # in the app at once
    lifecycle.mark_sold(alice, gone.id)
    assert mail_due(start + dt.timedelta(hours=23)) == (0, 0)  # not a second mail the same day
    assert mail_due(start + DAY) == (1, 0)
    mails = _alert_mails(bob)
    assert len(mails) == 2
    body = mails[1].body_text
    assert "Blue scarf" in body and "Green scarf" in body and "Red scarf" not in body
    assert "Grey scarf" not in body  # sold meanwhile
    assert mail_due(start + 3 * DAY) == (0, 0)  # nothing new


def test_the_mail_is_in_the_users_language(client, login_as, make_user, alice, admin, make_listing):
    ivan = make_user("ivan", locale="ru")
    login_as(ivan)
    _save(client, q="шарфы")
    _approved(make_listing, alice, admin, name="Шерстяной шарф")
    match_due(utcnow())
    assert mail_due(utcnow()) == (1, 0)
    (mail,) = OutgoingMail.select().where(OutgoingMail.recipient == ivan.email)
    assert mail.subject == "Новые объявления по вашему поиску"
    assert "Шерстяной шарф" in mail.body_text and "Здравствуйте" in mail.body_text


def test_a_paused_alert_gets_no_mail(client, login_as, bob, alice, admin, make_listing):
    login_as(bob)
    _save(client, q="scarf")
    _approved(make_listing, alice, admin, name="Red scarf")
    match_due(utcnow())
    alert = SearchAlert.get()
    token = csrf_from(client.get("/account/alerts").get_data(as_text=True))
    client.post(f"/account/alerts/{alert.id}/pause", data={"csrf_token": token})
    assert mail_due(utcnow()) == (0, 0)
    assert _alert_mails(bob) == []
