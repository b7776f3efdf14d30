"""The admin's pages say which language they are in and carry a description."""

import re

import pytest


@pytest.mark.parametrize("language", ["en", "ru"])
def test_admin_pages_say_their_language(client, make_user, login_as, language):
    admin = make_user("admin", admin=True, locale=language)
    login_as(admin)
    for url in ("/admin/", "/admin/pristroy/", "/admin/users/", "/admin/reports/"):
        body = client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'<html lang="{language}">' in body, url
        description = re.search(r'<meta name="description" content="([^"]+)">', body)
        assert description and description.group(1).strip(), url
