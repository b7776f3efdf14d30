"""Login by email or login name, logout by POST with CSRF; register, forgot and change password."""

import os
import re

import pytest

from models.outbox import OutgoingMail
from tests.conftest import csrf_from, get_csrf, login
from tests.i18n.test_pages import RU, cyrillic_words, latin_words


def test_login_by_login_name_or_email(client, make_user):
    make_user(username="carol", email="carol@example.com")
    assert login(client, "carol", "secret123").status_code == 302
    assert "carol" in client.get("/account/orders/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": get_csrf(client, "/")})
    assert login(client, "CAROL@example.com", "secret123").status_code == 302
    assert client.get("/account/orders/").status_code == 200


def test_wrong_password_is_refused_on_the_form(client, make_user):
    make_user(username="carol")
    response = login(client, "carol", "wrong")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Invalid password" in page and 'value="carol"' in page
    assert client.get("/account/orders/").status_code == 302


def test_logout_needs_post_and_csrf(client, login_as, make_user):
    login_as(make_user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={}).status_code == 400
    assert client.get("/account/orders/").status_code == 200
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account/orders/").status_code == 302


def test_copied_session_cookie_is_dead_after_logout(app, client, make_user):
    make_user(username="carol")
    login(client, "carol", "secret123")
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": get_csrf(client, "/")})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account/orders/").status_code == 302


def test_next_only_goes_to_this_site(client, make_user):
    make_user(username="carol")
    token = get_csrf(client, "/login")
    response = client.post(
        "/login?next=https://evil.example.com/steal",
        data={"email": "carol", "password": "secret123", "csrf_token": token, "next": "https://evil.example.com/"},
    )
    assert "evil.example.com" not in response.headers.get("Location", "")
    response = client.post(
        "/login?next=/account/pristroy/",
        data={"email": "carol", "password": "secret123", "csrf_token": token, "next": "/account/pristroy/"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/pristroy/")


def test_password_change_ends_other_sessions(app, client, make_user):
    make_user(username="carol")
    login(client, "carol", "secret123")
    other_device = app.test_client()
    login(other_device, "carol", "secret123")
    page = client.get("/change").get_data(as_text=True)
    response = client.post(
        "/change",
        data={
            "csrf_token": csrf_from(page),
            "password": "secret123",
            "new_password": "a brand new passphrase 7",
            "new_password_confirm": "a brand new passphrase 7",
        },
    )
    assert response.status_code in (302, 200)
    assert client.get("/account/orders/").status_code == 200  # this browser stays logged in
    assert other_device.get("/account/orders/").status_code == 302  # the other one is out


def test_oversized_form_goes_back_to_its_page_with_a_message(client, login_as, make_user, make_completed_line):
    user = make_user()
    line = make_completed_line(user)
    login_as(user)
    token = csrf_from(client.get("/account/orders/completed").get_data(as_text=True))
    # A browser announces the size first; the server refuses it before reading the body.
    response = client.post(
        f"/account/orders/lines/{line.id}/sell",
        data=b"--x--",
        content_type="multipart/form-data; boundary=x",
        headers={"X-CSRFToken": token},
        environ_overrides={"CONTENT_LENGTH": str(13 * 1024 * 1024)},
    )
    # Back to the form's page (not a dead end), saying what happened to what was typed.
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/account/orders/completed#sell-{line.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The photo is larger than 10 MB, so the form could not be sent" in page


# ---------------------------------------------------------------- Flask-Security's mail and pages


def mails_to(address):
    """The mails queued for `address`, after the test has played the mail worker once."""
    from models.outbox import drain

    drain()
    return list(OutgoingMail.select().where(OutgoingMail.recipient == address).order_by(OutgoingMail.id))


def outbox_files(app):
    outbox = os.path.join(app.instance_path, "outbox")
    return sorted(os.listdir(outbox)) if os.path.isdir(outbox) else []


def test_register_mail_goes_through_the_outbox(app, client):
    response = client.post(
        "/register",
        data={
            "csrf_token": get_csrf(client, "/register"),
            "email": "dora@example.com",
            "username": "dora",
            "password": "first passphrase 41",
            "password_confirm": "first passphrase 41",
        },
    )
    assert response.status_code == 302
    (welcome,) = mails_to("dora@example.com")
    assert "Welcome" in welcome.subject and welcome.sent_at is not None
    assert len(outbox_files(app)) == 1  # no mail server: an .eml file, not SMTP


def test_forgot_password_mails_a_link_that_sets_a_new_password(app, client, make_user):
    make_user(username="carol", email="carol@example.com")
    assert 'href="/reset"' in client.get("/login").get_data(as_text=True)
    response = client.post("/reset", data={"csrf_token": get_csrf(client, "/reset"), "email": "carol@example.com"})
    assert response.status_code == 200 and "Instructions to reset your password" in response.get_data(as_text=True)
    (instructions,) = mails_to("carol@example.com")
    token = re.search(r"/reset/([\w.-]+)", instructions.body_text).group(1)
    page = client.get(f"/reset/{token}").get_data(as_text=True)
    assert 'name="reset_password_form"' in page and 'class="navbar' in page  # in the site's layout
    response = client.post(
        f"/reset/{token}",
        data={
            "csrf_token": csrf_from(page),
            "password": "second passphrase 52",
            "password_confirm": "second passphrase 52",
        },
    )
    assert response.status_code == 302
    notice = mails_to("carol@example.com")[-1]
    assert notice.id != instructions.id and notice.sent_at is not None
    assert login(client, "carol", "secret123").status_code == 200  # the old password is refused
    assert login(client, "carol", "second passphrase 52").status_code == 302


def test_change_password_is_linked_from_the_header_and_mails_through_the_outbox(client, login_as, make_user):
    login_as(make_user(username="carol", email="carol@example.com"))
    assert 'href="/change"' in client.get("/").get_data(as_text=True)
    page = client.get("/change").get_data(as_text=True)
    assert 'name="change_password_form"' in page and 'class="navbar' in page
    response = client.post(
        "/change",
        data={
            "csrf_token": csrf_from(page),
            "password": "secret123",
            "new_password": "a brand new passphrase 7",
            "new_password_confirm": "a brand new passphrase 7",
        },
    )
    assert response.status_code == 302
    (changed,) = mails_to("carol@example.com")
    assert "changed" in changed.subject and changed.sent_at is not None


def test_flask_security_pages_send_a_well_formed_cache_control(client):
    for url in ("/login", "/register", "/reset"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store", url


@pytest.mark.parametrize("url", ["/reset", "/change"])
def test_password_pages_in_both_languages(client, login_as, make_user, url):
    if url == "/change":
        login_as(make_user(username="carol"))
    russian = client.get(url, headers=RU).get_data(as_text=True)
    assert latin_words(russian.replace("carol", "")) == []
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert cyrillic_words(english) == []
