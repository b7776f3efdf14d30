"""The URL helpers build addresses through the routes, on the public site's address where asked."""

from types import SimpleNamespace

from web import urls


def test_photo_url_is_the_media_route(app):
    photo = SimpleNamespace(filename="ab" * 16 + ".jpg", thumb_filename="ab" * 16 + ".thumb.jpg")
    with app.test_request_context("/", base_url="http://shop.test/store"):
        assert urls.photo_url(photo) == "/store/media/" + "ab" * 16 + ".jpg"
        assert urls.photo_url(photo, thumb=True) == "/store/media/" + "ab" * 16 + ".thumb.jpg"
        assert urls.photo_url(None) is None


def test_listing_and_public_addresses(app):
    app.config["PUBLIC_URL"] = "https://shop.example.com/"
    with app.test_request_context("/"):
        assert urls.listing_url(7) == "/pristroy/7"
        assert urls.canonical_url("showcase.index") == "https://shop.example.com/pristroy/"
        assert urls.absolute_url("/media/x.jpg") == "https://shop.example.com/media/x.jpg"
        assert urls.absolute_url("") is None


def test_status_badge_is_one_macro_for_both_audiences(app):
    from admin_views.listings import status_badge
    from models import ListingStatus

    with app.test_request_context("/"):
        for status, colour in [
            (ListingStatus.MODERATION, "warning"),
            (ListingStatus.APPROVED, "success"),
            (ListingStatus.DECLINED, "danger"),
            (ListingStatus.REMOVED, "secondary"),
            (ListingStatus.SOLD, "dark"),
        ]:
            listing = SimpleNamespace(status=status, status_label="<Label>")
            html = str(status_badge(listing))
            assert html == f'<span class="badge badge-{colour} status-badge">&lt;Label&gt;</span>'
