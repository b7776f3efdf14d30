"""The sitemap and the Atom feed are well-formed and point at the public pages."""

import xml.etree.ElementTree as ET

from models import ListingStatus

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_and_feed(client, make_user, make_listing):
    admin = make_user(admin=True)
    seller = make_user(username="seller")
    old = make_listing(seller, status=ListingStatus.APPROVED, admin=admin, name="Tea & <cups>")
    new = make_listing(seller, status=ListingStatus.APPROVED, admin=admin, name="Kettle")

    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200 and sitemap.mimetype == "application/xml"
    locs = [e.text for e in ET.fromstring(sitemap.data).iter(f"{SITEMAP}loc")]
    assert locs == [
        "http://localhost/",
        "http://localhost/pristroy/",
        f"http://localhost/pristroy/{old.id}",
        f"http://localhost/pristroy/{new.id}",
    ]

    feed = client.get("/pristroy/feed.atom")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        f"http://localhost/pristroy/{new.id}",
        f"http://localhost/pristroy/{old.id}",
    ]
    assert entries[1].find(f"{ATOM}title").text.startswith("Tea & <cups>")
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "seller"
    home = client.get("/").get_data(as_text=True)
    assert 'type="application/atom+xml"' in home and 'href="/pristroy/feed.atom"' in home


def test_sitemap_index_when_there_are_many_listings(app, client, make_user, make_listing, monkeypatch):
    from public import feeds

    monkeypatch.setattr(feeds, "SITEMAP_CHUNK", 2)
    admin = make_user(admin=True)
    seller = make_user()
    listings = [make_listing(seller, status=ListingStatus.APPROVED, admin=admin) for _ in range(5)]
    index = ET.fromstring(client.get("/sitemap.xml").data)
    chunks = [e.text for e in index.iter(f"{SITEMAP}loc")]
    assert chunks == [f"http://localhost/sitemap-{n}.xml" for n in (1, 2, 3)]
    found = []
    for url in chunks:
        part = ET.fromstring(client.get(url.replace("http://localhost", "")).data)
        found += [e.text for e in part.iter(f"{SITEMAP}loc")]
    assert [u for u in found if "/pristroy/" in u and u[-1].isdigit()] == [
        f"http://localhost/pristroy/{item.id}" for item in listings
    ]
