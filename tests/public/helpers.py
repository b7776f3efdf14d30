"""Small helpers of the public pages' tests."""

import html
import re


def text_of(response):
    """The page as a visitor reads it: tags removed, entities decoded, spaces squeezed."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def item_ids(response):
    """Ids of the listings linked from a list page, in page order, each once."""
    ids = []
    for match in re.finditer(r'href="/pristroy/(\d+)"', response.get_data(as_text=True)):
        listing_id = int(match.group(1))
        if listing_id not in ids:
            ids.append(listing_id)
    return ids


def log_out(client):
    """Log the test client out (the `login_as` fixture expects a logged-out client)."""
    from tests.conftest import get_csrf

    client.post("/logout", data={"csrf_token": get_csrf(client, "/")})
