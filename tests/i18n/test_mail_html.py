"""Every mail has a plain-text part and an HTML part in the store's look, in the recipient's language."""

import email
import glob
import os

from models import Listing, ListingStatus, OutgoingMail
from models.comments import post_comment
from models.outbox import drain

from ..conftest import csrf_from


def _last_mail(to):
    return OutgoingMail.select().where(OutgoingMail.recipient == to).order_by(OutgoingMail.id.desc()).first()


def _check_html(html, lang):
    assert html.startswith("<!doctype html>")
    assert f'<html lang="{lang}">' in html
    assert '<meta charset="utf-8">' in html and "<title>" in html


def test_decline_mail_has_both_parts_and_escapes_user_text(app, make_user, make_listing):
    admin = make_user("admin", admin=True)
    john = make_user("john", locale="en")
    make_listing(john, status=ListingStatus.DECLINED, admin=admin, name="<b>x</b>")
    mail = _last_mail(john.email)
    _check_html(mail.body_html, "en")
    assert "&lt;b&gt;x&lt;/b&gt;" in mail.body_html and "<b>x</b>" not in mail.body_html
    assert "<b>x</b>" in mail.body_text
    assert 'href="http://localhost/account/pristroy/"' in mail.body_html


def test_the_sent_message_is_multipart_alternative(app, make_user, make_listing):
    admin = make_user("admin", admin=True)
    john = make_user("john")
    make_listing(john, status=ListingStatus.APPROVED, admin=admin)
    drain()
    files = sorted(glob.glob(os.path.join(app.instance_path, "outbox", "*.eml")), key=os.path.getmtime)
    with open(files[-1], "rb") as fh:
        message = email.message_from_bytes(fh.read())
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.get_payload()] == ["text/plain", "text/html"]


def test_russian_mail_is_russian_in_both_parts(app, make_user, make_listing):
    admin = make_user("admin", admin=True)
    olga = make_user("olga", locale="ru")
    make_listing(olga, status=ListingStatus.DECLINED, admin=admin, name="Пальто")
    mail = _last_mail(olga.email)
    _check_html(mail.body_html, "ru")
    assert "Здравствуйте, olga!" in mail.body_html and "Ваши вещи на продаже" in mail.body_html
    assert "Hello" not in mail.body_html and "Your items" not in mail.body_html


def test_comment_mail_quotes_the_comment_escaped(app, make_user, make_listing):
    admin = make_user("admin", admin=True)
    seller = make_user("seller")
    buyer = make_user("buyer")
    listing = make_listing(seller, status=ListingStatus.APPROVED, admin=admin)
    listing = Listing.select().where(Listing.id == listing.id).get()
    post_comment(listing, buyer, "Is it <i>warm</i>?")
    mail = _last_mail(seller.email)
    assert "Is it &lt;i&gt;warm&lt;/i&gt;?" in mail.body_html
    assert "> Is it <i>warm</i>?" in mail.body_text
    assert f'href="http://localhost/pristroy/{listing.id}#reviews"' in mail.body_html


def test_security_mails_have_an_html_part(client, make_user, login_as):
    user = make_user("john")
    token = csrf_from(client.get("/reset").get_data(as_text=True))
    client.post("/reset", data={"email": user.email, "csrf_token": token})
    mail = _last_mail(user.email)
    assert mail.body_text and "/reset/" in mail.body_text
    _check_html(mail.body_html, "en")
    assert 'href="http://localhost/reset/' in mail.body_html
