"""The item page: safe description with clickable contacts, the store mark, sharing markup."""

import re

from playhouse.test_utils import count_queries

from models import ListingStatus, Product

from .helpers import text_of

S = ListingStatus

DESCRIPTION = (
    "Worn twice, size M.\n"
    "Call +7 900 123-45-67 or write to seller@example.com,\n"
    "Telegram @coat_seller, photos: https://example.com/coat?id=1&v=2.\n"
    '<script>alert("x")</script><img src=x onerror=alert(1)>'
)


def _page(client, make_user, make_listing, **kw):
    admin = make_user(username="admin", admin=True)
    listing = make_listing(make_user(username="marta"), status=S.APPROVED, admin=admin, description=DESCRIPTION, **kw)
    response = client.get(f"/pristroy/{listing.id}")
    assert response.status_code == 200
    return listing, response.get_data(as_text=True)


def _description_html(page):
    return re.search(r'<div class="description">(.*?)</div>', page, re.S).group(1)


def test_description_is_safe_and_contacts_are_clickable(client, make_user, make_listing):
    _listing, page = _page(client, make_user, make_listing)
    html = _description_html(page)
    assert 'href="tel:+79001234567"' in html
    assert 'href="mailto:seller@example.com"' in html
    assert 'href="https://t.me/coat_seller"' in html
    assert 'href="https://example.com/coat?id=1&amp;v=2"' in html  # the final full stop is not part of it
    # No HTML let through: the markup is shown as text.
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # Line breaks kept.
    assert "size M.\nCall" in html
    assert "<script>alert" not in page


def test_photo_name_price_quantity_seller_date_and_store_mark(client, make_user, make_listing, jpeg_bytes):
    from models.photos import process_image

    listing, page = _page(
        client, make_user, make_listing, photo=process_image(jpeg_bytes, "coat.jpg"), price="1499.90", quantity=2
    )
    text = text_of_html(page)
    assert "Blue jacket" in text
    assert "RUB 1,499.90" in text.replace("\u202f", " ")
    assert "Quantity 2" in text
    assert "Seller marta" in text
    full = f"/media/{listing.photo.filename}"
    assert f'<a href="{full}"' in page  # click for full size
    photo = client.get(full)
    photo.close()  # a file response: close it, or its file stays open
    assert photo.status_code == 200
    # Bought in this store, with the month of purchase and the original product.
    line = listing.order_line
    product = Product.get_by_id(line.product_id)
    assert "Bought in this store" in text
    month = line.order.completed_at.strftime("%B %Y")
    assert month in text
    assert f'href="/products/{product.id}"' in page
    product_page = client.get(f"/products/{product.id}")
    assert product_page.status_code == 200 and product.name in text_of(product_page)
    assert client.get("/products/999999").status_code == 404


def test_sharing_markup(client, make_user, make_listing, jpeg_bytes):
    from models.photos import process_image

    listing, page = _page(client, make_user, make_listing, photo=process_image(jpeg_bytes, "coat.jpg"))
    assert "<title>Blue jacket" in page
    # The contacts stay in the page's text: the description shown in search results has none.
    assert '<meta name="description" content="Worn twice, size M. Call or write to Telegram, photos:' in page
    canonical = f"http://localhost/pristroy/{listing.id}"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    assert f'<meta property="og:image" content="http://localhost/media/{listing.photo.filename}">' in page
    # The Product and its Offer are JSON-LD (tests/seo/test_structured_data.py), a data block
    # that runs nothing; no other inline script, and no event handler attributes (strict CSP).
    assert page.count('<script type="application/ld+json">') == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", page)
    tags_without_values = re.sub(r'"[^"]*"', '""', page)
    assert not re.search(r"<[^>]*\son[a-z]+=", tags_without_values)


def test_item_page_queries_do_not_grow_with_comments(client, make_user, make_listing):
    from models.comments import post_comment

    admin = make_user(username="admin", admin=True)
    owner = make_user(username="owner")
    listing = make_listing(owner, status=S.APPROVED, admin=admin)
    from models import Listing

    full = Listing.with_related().where(Listing.id == listing.id).get()
    first = post_comment(full, make_user(), "Is it still available?")
    with count_queries() as counter:
        assert client.get(f"/pristroy/{listing.id}").status_code == 200
    few = counter.count
    for i in range(6):
        post_comment(full, make_user(), f"Question {i}")
        post_comment(full, owner, f"Answer {i}", parent_id=first.id)
    with count_queries() as counter:
        response = client.get(f"/pristroy/{listing.id}")
    assert "Answer 5" in text_of(response)
    assert counter.count == few <= 4  # a constant few, whatever the number of comments


def text_of_html(page):
    class _R:
        def get_data(self, as_text=True):
            return page

    return text_of(_R())
