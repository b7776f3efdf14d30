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


def test_admin_pager_links_only_where_it_leads(client, make_user, make_listing, login_as):
    admin = make_user("admin", admin=True)
    seller = make_user("john")
    for n in range(12):
        make_listing(seller, name=f"Coat {n}")
    login_as(admin)
    first = client.get("/admin/pristroy/?page_size=10").get_data(as_text=True)
    pager = re.search(r'<nav aria-label="Pages">(.*?)</nav>', first, re.S).group(1)
    assert "javascript:" not in pager
    # The current page is text, not a link; page 2 and "next" are links.
    assert re.search(r'<span class="page-link" aria-current="page">1</span>', pager)
    assert len(re.findall(r'<a class="page-link" href="[^"]*page=1[^"]*">', pager)) == 2
    second = client.get("/admin/pristroy/?page_size=10&page=1").get_data(as_text=True)
    assert re.search(r'<span class="page-link" aria-current="page">2</span>', second)
    assert re.search(r'<li class="page-item disabled"><span class="page-link">&gt;</span>', second)
