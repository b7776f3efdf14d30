"""A seller's contacts are for the item page's readers: nothing that carries the text elsewhere has them."""

import xml.etree.ElementTree as ET

import pytest

from models import ListingStatus
from models.text import without_contacts
from tests.public.helpers import text_of

from .helpers import json_ld, meta, page_of

ATOM = "{http://www.w3.org/2005/Atom}"

CUTS = [
    # Russian, as sellers write it.
    ("Пишите в телеграм @olga_sells или звоните 8 (912) 345-67-89", "Пишите в телеграм или звоните"),
    ("Самовывоз у метро. Тел.: +7 (912) 345-67-89, почта olga.sells@mail.ru", "Самовывоз у метро. Тел.: почта"),
    ("Контакты: t.me/olga_sells, 8 912 345 67 89\nТорг уместен.", "Контакты\nТорг уместен."),
    ("Звоните 8-912-345-67-89 (вечером)", "Звоните (вечером)"),
    # English.
    ("Call me on +44 20 7946 0958 (evenings) or mail jane.doe+coat@example.co.uk.", "Call me on (evenings) or mail."),
    ("Telegram: https://telegram.me/JaneSells", "Telegram"),
    ("Phone (+7 912 345-67-89), collection only", "Phone, collection only"),
    ("Reach me at https://t.me/jane_sells/ any time", "Reach me at any time"),
]

KEPT = [
    # Prices, sizes, years, short numbers and plain links are not contacts.
    "Price 1500, size 42-44, bought in 2019, 3 pcs.",
    "Размер 46–48, рост 170-176, цена 2 500 ₽",
    "Model 2023-01-15, see https://example.com/coat?id=1",
    "email me through the site",
]


@pytest.mark.parametrize(("text", "cut"), CUTS)
def test_contacts_are_cut_and_the_rest_tidied(text, cut):
    assert without_contacts(text) == cut


@pytest.mark.parametrize("text", KEPT)
def test_text_without_contacts_is_left_alone(text):
    assert without_contacts(text) == text


DESCRIPTION = (
    "Тёплое пальто, размер 46. Пишите в телеграм @olga_sells или звоните 8 (912) 345-67-89.\n"
    "Or e-mail olga.sells@mail.ru, WhatsApp +44 20 7946 0958, t.me/olga_coats"
)
CONTACTS = ("@olga_sells", "olga_sells", "345-67-89", "912", "olga.sells@mail.ru", "7946", "t.me", "olga_coats")


@pytest.fixture
def listing(make_user, make_listing):
    return make_listing(
        make_user(username="olga"),
        status=ListingStatus.APPROVED,
        admin=make_user(admin=True),
        name="Пальто",
        description=DESCRIPTION,
    )


def _no_contacts(text):
    assert text
    found = [contact for contact in CONTACTS if contact in text]
    assert found == [], text


def test_item_page_descriptions_for_search_and_sharing_have_no_contacts(client, listing):
    page = page_of(client.get(f"/pristroy/{listing.id}"))
    description = meta(page, "name", "description")
    assert description.startswith("Тёплое пальто, размер 46. Пишите в телеграм или звоните.")
    _no_contacts(description)
    _no_contacts(meta(page, "property", "og:description"))
    _no_contacts(json_ld(page)["description"])


def test_the_item_page_itself_still_shows_the_contacts(client, listing):
    text = text_of(client.get(f"/pristroy/{listing.id}"))
    for contact in ("@olga_sells", "8 (912) 345-67-89", "olga.sells@mail.ru", "+44 20 7946 0958", "t.me/olga_coats"):
        assert contact in text


def test_the_feed_has_no_contacts(client, listing):
    feed = ET.fromstring(client.get("/pristroy/feed.atom").data)
    (entry,) = feed.findall(f"{ATOM}entry")
    texts = [element.text or "" for element in entry.iter()]
    assert any("Тёплое пальто" in text for text in texts)
    _no_contacts(" ".join(texts))


def test_the_api_list_has_no_contacts(client, listing):
    response = client.get("/api/v1/listings")
    body = response.get_json()
    assert [item["id"] for item in body["listings"]] == [listing.id]
    _no_contacts(response.get_data(as_text=True))


def test_showcase_cards_and_search_results_have_no_contacts(client, listing):
    for url in ("/pristroy/", "/pristroy/?q=пальто", "/"):
        page = page_of(client.get(url))
        assert f"/pristroy/{listing.id}" in page, url
        _no_contacts(text_of(client.get(url)))
