"""Screenshots of the main pages for the README: `python docs/screenshots/take.py`.

Starts the app as shipped (tests/storefront/scores.py's App: `python app.py` on a scratch
SQLite database with the demo data and 60 listings), then shoots each page below in English
and Russian at 1280x900 and 375x800 in headless Chromium (Playwright), into this folder as
<page>-<language>-<width>.png. Logged-in pages use the demo accounts (alice, admin).
"""

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.storefront.scores import CHROME, App  # noqa: E402

# name -> (path, who is logged in); None: the first listing on the showcase
PAGES = {
    "home": ("/", None),
    "showcase": ("/pristroy/", None),
    "item": (None, None),
    "login": ("/login", None),
    "completed": ("/account/orders/completed", "alice"),
    "my-items": ("/account/pristroy/", "alice"),
    "favourites": ("/account/favourites", "alice"),
    "admin-dashboard": ("/admin/", "admin"),
    "admin-list": ("/admin/pristroy/", "admin"),
    "admin-edit": ("edit", "admin"),
}
SIZES = ((1280, 900), (375, 800))
LANGUAGES = ("en", "ru")


def cookies_of(app, who):
    pairs = (part.split("=", 1) for part in app.cookie_header(who).split("; ") if "=" in part)
    return [{"name": name, "value": value, "url": app.url} for name, value in pairs]


def main():
    app = App()
    try:
        item = app.first_item()
        listing_id = re.search(r"(\d+)$", item).group(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROME, args=["--no-sandbox"])
            for language in LANGUAGES:
                sessions = {who: cookies_of(app, who) for who in ("alice", "admin")}
                for name, (path, who) in PAGES.items():
                    if path is None:
                        path = item
                    elif path == "edit":
                        path = f"/admin/pristroy/edit/?id={listing_id}"
                    for width, height in SIZES:
                        context = browser.new_context(
                            viewport={"width": width, "height": height},
                            locale=language,
                            extra_http_headers={"Accept-Language": language},
                        )
                        if who:
                            context.add_cookies(sessions[who])
                        page = context.new_page()
                        page.goto(app.url + path, wait_until="networkidle")
                        out = HERE / f"{name}-{language}-{width}.png"
                        page.screenshot(path=str(out))
                        print(out.name)
                        context.close()
            browser.close()
    finally:
        app.stop()


if __name__ == "__main__":
    main()
