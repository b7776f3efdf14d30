"""The item page's JSON-LD: a schema.org Product with its Offer, as a search engine reads it."""

import pytest

from models import ListingStatus
from models.photos import process_image

from .helpers import json_ld, json_ld_blocks, page_of

S = ListingStatus


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PUBLIC_URL": "https://shop.example.com", "CURRENCY": "EUR"}


@pytest.fixture
def seller(make_user):
    return make_user(username="olga", email="olga.private@example.com")


def test_product_and_offer(client, seller, make_user, make_listing, jpeg_bytes):
    listing = make_listing(
        seller,
        status=S.APPROVED,
        admin=make_user(admin=True),
        name="Wool coat, size M",
        description="Worn twice, no stains.\nCall +7 (912) 345-67-89 or write olga@example.com.",
        price="1499.9",
        photo=process_image(jpeg_bytes, "coat.jpg"),
    )
    url = f"https://shop.example.com/pristroy/{listing.id}"
    data = json_ld(page_of(client.get(f"/pristroy/{listing.id}?utm_source=newsletter")))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Product"
    assert data["name"] == "Wool coat, size M"
    assert data["description"] == "Worn twice, no stains. Call or write."
    assert data["url"] == url
    assert data["image"] == [f"https://shop.example.com/media/{listing.photo.filename}"]
    assert data["offers"] == {
        "@type": "Offer",
        "url": url,
        "price": "1499.90",
        "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/UsedCondition",
        "seller": {"@type": "Person", "name": "olga"},
    }


def test_the_seller_is_named_by_display_name_only(client, seller, make_user, make_listing):
    listing = make_listing(seller, status=S.APPROVED, admin=make_user(admin=True))
    block = json_ld_blocks(page_of(client.get(f"/pristroy/{listing.id}")))[0]
    assert "olga.private@example.com" not in block
    assert json_ld(page_of(client.get(f"/pristroy/{listing.id}")))["offers"]["seller"] == {
        "@type": "Person",
        "name": seller.display_name,
    }


def test_a_listing_name_cannot_end_the_script(client, seller, make_user, make_listing):
    name = "</script><script>alert(1)</script> Tea & cups"
    listing = make_listing(
        seller, status=S.APPROVED, admin=make_user(admin=True), name=name, description="<b>cups</b> & saucers"
    )
    page = page_of(client.get(f"/pristroy/{listing.id}"))
    (block,) = json_ld_blocks(page)
    # Nothing inside the block a browser would read as markup ...
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003c/script\\u003e" in block
    # ... and a JSON parser gets the seller's text back exactly.
    data = json_ld(page)
    assert data["name"] == name
    assert data["description"] == "<b>cups</b> & saucers"
    assert "<script>alert(1)" not in page


def test_store_photo_when_the_seller_has_none(client, seller, make_user, make_listing):
    from models import Listing
    from models.connector import set_product_photo
    from models.orders import Product
    from models.photos import Photo
    from tests.conftest import image_bytes

    listing = make_listing(seller, status=S.APPROVED, admin=make_user(admin=True))
    product = Listing.get_by_id(listing.id).order_line.product
    Product.update(external_id="store-1").where(Product.id == product.id).execute()
    set_product_photo("store-1", image_bytes("JPEG", size=(800, 800)))
    data = json_ld(page_of(client.get(f"/pristroy/{listing.id}")))
    assert data["image"] == [f"https://shop.example.com/media/{Photo.get().filename}"]


def test_no_photo_no_image(client, seller, make_user, make_listing):
    listing = make_listing(seller, status=S.APPROVED, admin=make_user(admin=True))
    assert "image" not in json_ld(page_of(client.get(f"/pristroy/{listing.id}")))


def test_a_preview_of_a_listing_not_on_sale_claims_no_stock(client, seller, login_as, make_listing):
    listing = make_listing(seller)  # On moderation: only its owner sees the page
    login_as(seller)
    page = page_of(client.get(f"/pristroy/{listing.id}"))
    offer = json_ld(page)["offers"]
    assert "availability" not in offer
    assert offer["price"] == "1500.00"


def test_one_product_on_the_page(client, seller, make_user, make_listing):
    """No microdata beside the JSON-LD: a second Product (with the contacts) would contradict it."""
    listing = make_listing(seller, status=S.APPROVED, admin=make_user(admin=True))
    page = page_of(client.get(f"/pristroy/{listing.id}"))
    assert "itemscope" not in page and "itemprop" not in page
    assert len(json_ld_blocks(page)) == 1
