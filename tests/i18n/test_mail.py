"""Mail and notifications go out in the recipient's language, whoever acts and in whatever language."""

from models import ListingStatus, OutgoingMail

from ..conftest import csrf_from


def _last_mail(to):
    return OutgoingMail.select().where(OutgoingMail.recipient == to).order_by(OutgoingMail.id.desc()).first()


def test_mail_to_a_russian_speaking_user_is_in_russian(app, make_user, make_listing):
    admin = make_user("admin", admin=True)
    olga = make_user("olga", locale="ru")
    make_listing(olga, status=ListingStatus.DECLINED, admin=admin, name="Пальто")
    mail = _last_mail(olga.email)
    assert mail.subject == "Ваше объявление отклонено"
    assert "Здравствуйте, olga!" in mail.body_text
    assert "Причина:" in mail.body_text and "Ваши вещи на продаже:" in mail.body_text
    assert "Your" not in mail.body_text and "Hello" not in mail.body_text


def test_mail_follows_the_recipient_not_the_moderator(client, make_user, make_listing, login_as):
    admin = make_user("admin", admin=True, locale="ru")
    john = make_user("john", locale="en")
    olga = make_user("olga", locale="ru")
    johns = make_listing(john, name="Coat")
    olgas = make_listing(olga, name="Пальто")
    login_as(admin)
    token = csrf_from(client.get("/admin/pristroy/", headers={"Accept-Language": "ru"}).get_data(as_text=True))
    response = client.post(
        "/admin/pristroy/action/",
        data={"action": "approve", "rowid": [johns.id, olgas.id], "csrf_token": token},
        headers={"Accept-Language": "ru"},
    )
    assert response.status_code == 302
    flashed = client.get(response.headers["Location"], headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Одобрено объявлений: 2." in flashed
    assert _last_mail(john.email).subject == "Your listing was approved"
    assert "Hello, john!" in _last_mail(john.email).body_text
    assert _last_mail(olga.email).subject == "Ваше объявление одобрено"


def test_user_without_a_language_gets_the_default(app, make_user, make_listing):
    admin = make_user("admin", admin=True)
    anna = make_user("anna")
    make_listing(anna, status=ListingStatus.APPROVED, admin=admin)
    assert _last_mail(anna.email).subject == "Your listing was approved"


def test_notifications_page_follows_the_reader(client, make_user, make_listing, login_as):
    admin = make_user("admin", admin=True)
    olga = make_user("olga", locale="ru")
    make_listing(olga, status=ListingStatus.APPROVED, admin=admin, name="Пальто")
    login_as(olga)
    body = client.get("/account/notifications").get_data(as_text=True)
    assert "Ваше объявление одобрено" in body and "Уведомления" in body
