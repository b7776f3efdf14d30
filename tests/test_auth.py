"""Login by email or login name, logout by POST with CSRF."""

from tests.conftest import csrf_from, get_csrf, login


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
