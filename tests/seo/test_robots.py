"""`/robots.txt`: crawlers may read the public pages, not the private ones, and find the sitemap."""

import urllib.robotparser

import pytest

from models import ListingStatus


@pytest.fixture
def app_config(app_config):
    # Where the site really is, not where the request came in: the Sitemap line says this.
    return {**app_config, "PUBLIC_URL": "https://shop.example.com"}


def _rules(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(response.get_data(as_text=True).splitlines())
    return response.get_data(as_text=True), parser


def test_public_pages_are_open_to_crawlers(client, make_user, make_listing):
    listing = make_listing(make_user(), status=ListingStatus.APPROVED, admin=make_user(admin=True))
    _text, robots = _rules(client)
    public = (
        "/",
        "/pristroy/",
        f"/pristroy/{listing.id}",
        "/pristroy/?page=2",
        "/products/1",
        "/pristroy/feed.atom",
        "/login",
        "/register",
    )
    for path in public:
        assert robots.can_fetch("Googlebot", f"https://shop.example.com{path}"), path
    # The addresses it keeps open do answer a visitor.
    assert client.get(f"/pristroy/{listing.id}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/pristroy/",
        "/account/orders/",
        "/account/pristroy/",
        "/account/favourites",
        "/logout",
        "/reset",
        "/change",
        "/signin/some-token",
        "/language/ru?next=/",
        "/api/v1/listings",
    ],
)
def test_private_paths_are_closed_to_crawlers(client, path):
    _text, robots = _rules(client)
    assert not robots.can_fetch("Googlebot", f"https://shop.example.com{path}")


def test_names_the_sitemap_on_the_public_address(client):
    text, robots = _rules(client)
    assert robots.site_maps() == ["https://shop.example.com/sitemap.xml"]
    assert "\nSitemap: https://shop.example.com/sitemap.xml\n" in text
    # And the sitemap is there.
    assert client.get("/sitemap.xml").status_code == 200
