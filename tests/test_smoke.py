def test_login_by_login_name_and_email(client, make_user):
    from tests.conftest import login

    make_user(username="carol", email="carol@example.com")
    assert login(client, "carol", "secret123").status_code == 302
    client.post("/logout", data={"csrf_token": __import__("tests.conftest").conftest.get_csrf(client, "/")})
    assert login(client, "CAROL@example.com", "secret123").status_code == 302
