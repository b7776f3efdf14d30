"""The admin in a real browser: AA contrast on the list and the edit page, the edit page at 375 px."""

from .conftest import log_in, no_sideways_scroll, post_form


def _contrast(axe, page, name):
    result = axe.check(page, name)
    bad = [v for v in result["violations"] if v["id"] == "color-contrast"]
    assert not bad, f"{name}: " + "; ".join(n["html"][:120] for v in bad for n in v["nodes"][:6])


def test_admin_list_and_edit_page_contrast_and_phone_width(new_page, own_customer, axe):
    seller = own_customer("Linen shirt")
    seller.goto("/account/orders/completed")
    form = seller.locator("form[action*='/sell']").first
    assert post_form(seller, form, name="Linen shirt, size M", quantity="1", description="Worn once.").ok
    page = log_in(new_page(), "admin", "admin12345")
    page.goto("/admin/pristroy/")
    _contrast(axe, page, "admin list")
    row = page.get_by_role("row").filter(has_text="Linen shirt, size M")
    href = row.locator("a[href*='/edit/']").first.get_attribute("href")
    page.goto(href)
    _contrast(axe, page, "admin edit")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    no_sideways_scroll(page)
    assert not page.locator("a[href^='javascript:']").count()
