"""The listing document the store gets: absolute addresses that open the real pages, exact prices."""

from urllib.parse import urlsplit

from models import Listing, ListingStatus, Product
from models.listing_json import SiteUrls, listing_document
from models.photos import Photo, process_image, write_files
from tests.conftest import image_bytes


def document(listing_id, **kw):
    return listing_document(Listing.get_with_related(listing_id), **kw)


def test_the_document_of_an_approved_listing_with_a_photo(app, client, alice, admin, make_listing):
    listing = make_listing(
        alice, status=ListingStatus.APPROVED, admin=admin, price="1234.5", photo=process_image(image_bytes(), "a.jpg")
    )
    doc = document(listing.id, with_status=True)
    photo = Listing.get_with_related(listing.id).photo
    assert doc == {
        "id": listing.id,
        "url": f"http://localhost/pristroy/{listing.id}",
        "name": "Blue jacket",
        "price": "1234.50",
        "currency": "RUB",
        "quantity": 1,
        "photo_url": f"http://localhost/media/{photo.stem}.jpg",
        "thumbnail_url": f"http://localhost/media/{photo.stem}.thumb.jpg",
        "photos": [f"http://localhost/media/{photo.stem}.jpg"],
        "published_at": Listing.get_by_id(listing.id).published_at.replace(microsecond=0).isoformat() + "Z",
        "product": None,
        "status": "approved",
    }
    assert "status" not in document(listing.id)
    # The addresses are the app's own routes: each opens for a visitor.
    for key in ("url", "photo_url", "thumbnail_url"):
        response = client.get(urlsplit(doc[key]).path)
        response.close()
        assert response.status_code == 200, key


def test_without_a_photo_of_its_own_the_products_photo_is_shown(app, alice, make_listing):
    listing = make_listing(alice)
    assert (document(listing.id)["photo_url"], document(listing.id)["thumbnail_url"]) == (None, None)
    product = Listing.get_with_related(listing.id).order_line.product
    photo = process_image(image_bytes(), "p.jpg")
    stem = write_files(photo)
    row = Photo.create(stem=stem, ext=photo.ext, width=photo.width, height=photo.height)
    Product.update(photo=row.id).where(Product.id == product.id).execute()
    assert document(listing.id)["photo_url"] == f"http://localhost/media/{stem}.{photo.ext}"


def test_public_url_with_a_path_and_a_slash(app, alice, make_listing):
    listing = make_listing(alice)
    app.config["PUBLIC_URL"] = "https://shop.example/flea/"
    assert document(listing.id, urls=SiteUrls(app))["url"] == f"https://shop.example/flea/pristroy/{listing.id}"
