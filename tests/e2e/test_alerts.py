"""A buyer saves a search on the showcase with Notify me of new listings; a seller's matching
listing is approved by the admin; once the background job has run, the buyer finds the
notification.

alice sells her winter parka (a line no other browser test sells); bob searches for
"parkas" (the plural: matched by word form).
"""

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, log_in, menu_link, post_form

pytestmark = pytest.mark.e2e

NAME = "Winter parka, navy, size L"


def _run_jobs(tmp_path_factory):
    """`flask --app app run-jobs` on the live server's database, as cron would run it."""
    # The live_server fixture's folder (made once per session by tmp_path_factory.mktemp).
    (database,) = tmp_path_factory.getbasetemp().glob("e2e-app[0-9]*/app.db")
    base = database.parent
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        UPLOAD_DIR=str(base / "uploads"),
        INSTANCE_PATH=str(base / "instance"),
        SECRET_KEY="run-jobs-of-the-browser-test",
    )
    for key in ("MAIL_SERVER", "REDIS_URL", "FLASK_DEBUG"):
        env.pop(key, None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "run-jobs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Search alerts: notified" in result.stdout, result.stdout


def test_a_saved_search_tells_the_buyer_about_a_new_listing(new_page, look, tmp_path_factory):
    buyer = log_in(new_page(), "bob@example.com", "bob12345")
    buyer.goto("/pristroy/")
    buyer.get_by_label("Search").fill("parkas")
    buyer.get_by_role("button", name="Find").click()
    buyer.get_by_role("button", name="Notify me of new listings").click()
    expect(buyer).to_have_url(re.compile(r"/account/alerts"))
    expect(buyer.get_by_text("Search alert saved.")).to_be_visible()
    alert = buyer.locator(".search-alert").filter(has_text="“parkas”")
    expect(alert.get_by_text("Active")).to_be_visible()
    expect(buyer.get_by_role("link", name="Search alerts")).to_have_attribute("aria-current", "page")
    look(buyer, "search-alerts")

    seller = log_in(new_page(), "alice", "alice12345")
    seller.goto("/account/orders/completed")
    modal = seller.locator(".sell-modal").filter(has_text="Put up for sale: Winter parka, navy")
    form = modal.locator("form[action*='/sell']")
    assert post_form(seller, form, name=NAME, quantity="1", description="Worn one winter. Telegram @alice").ok

    admin = log_in(new_page(), "admin", "admin12345")
    admin.on("dialog", lambda d: d.accept())
    admin.goto("/admin/pristroy/")
    admin.get_by_role("row").filter(has_text=NAME).get_by_role("button", name="Approve").click()
    admin.wait_for_load_state()

    _run_jobs(tmp_path_factory)
    menu_link(buyer, "Notifications").click()
    note = buyer.locator(".notification").filter(has_text="New listing for your search alert")
    expect(note.get_by_role("link", name=NAME)).to_be_visible()
    expect(note).to_contain_text("parkas")
    look(buyer, "search-alert-notification")
    note.get_by_role("link", name=NAME).click()
    expect(buyer.get_by_role("heading", name=NAME)).to_be_visible()

    # Sold, so alice's items are as the other browser tests expect them (one open listing less).
    listing_id = re.search(r"/pristroy/(\d+)", buyer.url).group(1)
    seller.goto("/account/pristroy/")
    sold = seller.locator(f"#sold-{listing_id} form")
    assert post_form(seller, sold).ok
