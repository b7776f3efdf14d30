"""The showcase's search matches words by their form, in English and Russian, on both
databases: the words of a listing's name, its description and its product's name."""

import pytest

from models import ListingStatus, Product, lifecycle
from models.listing_input import ListingData
from tests.public.helpers import item_ids

S = ListingStatus


@pytest.fixture
def admin(make_user):
    return make_user(username="admin", admin=True)


@pytest.fixture
def seller(make_user):
    return make_user(username="seller")


def found(client, q):
    response = client.get("/pristroy/", query_string={"q": q})
    assert response.status_code == 200
    return item_ids(response)


def test_a_plural_finds_the_singular_and_back_in_english(client, admin, seller, make_listing):
    scarf = make_listing(seller, status=S.APPROVED, admin=admin, name="Wool scarf", description="Warm, hand made.")
    boxes = make_listing(seller, status=S.APPROVED, admin=admin, name="Two boxes", description="Cardboard, strong.")
    assert found(client, "scarves") == [scarf.id]
    assert found(client, "Scarf") == [scarf.id]
    assert found(client, "woollen scarves") == []  # every word must match: "woollen" is another word
    assert found(client, "wool scarves") == [scarf.id]
    assert found(client, "box") == [boxes.id]
    assert found(client, "making") == [scarf.id]  # "made" of the description, by its dictionary form
    assert found(client, "sca") == [scarf.id]  # a word's beginning is still enough


def test_word_forms_in_russian(client, admin, seller, make_listing):
    scarf = make_listing(seller, status=S.APPROVED, admin=admin, name="Шарф", description="Тёплый, почти новый.")
    jackets = make_listing(seller, status=S.APPROVED, admin=admin, name="Две куртки", description="Зимние.")
    assert found(client, "шарфы") == [scarf.id]
    assert found(client, "шарфов") == [scarf.id]
    assert found(client, "ШАРФ") == [scarf.id]
    assert found(client, "куртка") == [jackets.id]
    assert found(client, "шарф куртка") == []


def test_the_products_name_is_searched_and_follows_a_rename(client, admin, seller, make_listing, make_completed_line):
    line = make_completed_line(seller, product_name="Knitted mittens")
    listing = make_listing(seller, status=S.APPROVED, admin=admin, line=line, name="Barely used", description="Red.")
    assert found(client, "mitten") == [listing.id]
    # The store renames its product (the connector writes it with an UPDATE).
    Product.update(name="Leather gloves").where(Product.id == line.product_id).execute()
    assert found(client, "mittens") == []
    assert found(client, "glove") == [listing.id]
    assert found(client, "barely") == [listing.id]  # the listing's own words stay


def test_an_edit_changes_what_finds_the_listing(client, admin, seller, make_listing):
    listing = make_listing(seller, status=S.APPROVED, admin=admin, name="Wool scarf", description="Warm.")
    data = ListingData(name="Wool hats", description="Two of them.", price="900", quantity=1)
    lifecycle.approve(admin, lifecycle.edit_listing(seller, listing.id, data).id)
    assert found(client, "scarves") == []
    assert found(client, "hat") == [listing.id]
    lifecycle.admin_edit(admin, listing.id, ListingData(name="Шапки", description="Две.", price="900", quantity=1))
    assert found(client, "hat") == []
    assert found(client, "шапка") == [listing.id]


def test_matches_stay_newest_first(client, admin, seller, make_listing):
    first = make_listing(seller, status=S.APPROVED, admin=admin, name="Green scarf")
    second = make_listing(seller, status=S.APPROVED, admin=admin, name="Scarves, a pair")
    make_listing(seller, status=S.APPROVED, admin=admin, name="Kettle")
    assert found(client, "scarf") == [second.id, first.id]
    assert found(client, "scarf") == found(client, "scarves")


def test_the_demo_bulk_import_fills_the_search_words(app, client):
    from models import Listing
    from models.demo import generate_listings
    from models.search import search_words

    generate_listings(60, seed=3)
    rows = list(Listing.select().where(Listing.status == S.APPROVED))
    assert rows and all(row.search_text for row in rows)
    listing = rows[0]
    product = listing.order_line.product.name
    assert listing.search_text == search_words(listing.name, listing.description, product)
    plural = {"scarf": "scarves", "box": "boxes"}.get(listing.name.split()[-1], listing.name.split()[-1] + "s")
    assert listing.id in found(client, f"{listing.name.split()[0]} {plural}")
