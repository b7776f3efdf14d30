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


def test_no_javascript_links_in_admin_pages(client, make_user, make_listing, login_as):
    admin = make_user("admin", admin=True)
    listing = make_listing(make_user("john"))
    login_as(admin)
    for url in (
        "/admin/",
        "/admin/pristroy/",
        f"/admin/pristroy/edit/?id={listing.id}",
        "/admin/reports/",
        "/admin/users/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "javascript:" not in response.get_data(as_text=True).lower(), url
