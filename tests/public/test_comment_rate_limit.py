"""A user can post only a few comments a minute, and is told so clearly."""

import pytest

from models import ListingStatus
from models.comments import Comment
from tests.conftest import get_csrf

from .helpers import text_of


@pytest.fixture
def app_config(app_config):
    # The suite turns the limiter off; this module checks it.
    return {**app_config, "RATELIMIT_ENABLED": True, "COMMENT_RATE_LIMIT": "3 per minute"}


def test_rate_limit(client, login_as, make_user, make_listing):
    admin = make_user(username="admin", admin=True)
    listing = make_listing(make_user(), status=ListingStatus.APPROVED, admin=admin)
    login_as(make_user(username="chatty"))
    url = f"/pristroy/{listing.id}"
    # A refused (empty) comment does not count.
    assert client.post(f"{url}/comments", data={"body": "", "csrf_token": get_csrf(client, url)}).status_code == 400
    for n in range(3):
        response = client.post(f"{url}/comments", data={"body": f"Comment {n}", "csrf_token": get_csrf(client, url)})
        assert response.status_code == 303
    response = client.post(f"{url}/comments", data={"body": "One too many", "csrf_token": get_csrf(client, url)})
    assert response.status_code == 429
    text = text_of(response)
    assert "You are posting too fast" in text
    assert "One too many" in response.get_data(as_text=True)  # what was typed is kept
    assert Comment.select().count() == 3
    # Another user is not limited by this one.
    from .helpers import log_out

    log_out(client)
    login_as(make_user(username="quiet"))
    response = client.post(f"{url}/comments", data={"body": "Hello", "csrf_token": get_csrf(client, url)})
    assert response.status_code == 303
