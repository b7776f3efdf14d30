"""The pages in Russian and in English: chosen by Accept-Language, by the switcher, by the profile."""

import html
import re

import pytest

from models import ListingStatus, User

from ..conftest import csrf_from, get_csrf

RU = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US,en;q=0.9"}

# Latin words a Russian page may carry: the language switcher, file formats, brands, the test's data.
ALLOWED_LATIN = {
    "EN",
    "RU",
    "English",
    "JPEG",
    "PNG",
    "WebP",
    "GIF",
    "Telegram",
    "alice",
    "bob",
    "admin",
    "example",
    "com",
}


def visible_text(page):
    # <samp>: what the machine says, such as an error page's request id, is no language.
    page = re.sub(r"<(script|style|datalist|samp)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    # Readable attributes count as text too.
    attrs = " ".join(re.findall(r'\b(?:title|alt|placeholder|aria-label)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attrs)


def latin_words(page):
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", visible_text(page)) if w not in ALLOWED_LATIN})


def cyrillic_words(page):
    return sorted(set(re.findall(r"[А-Яа-яЁё]{2,}", visible_text(page))) - {"Русский"})


@pytest.fixture
def story(app, make_user, make_listing, make_completed_line):
    admin = make_user("admin", admin=True)
    alice = make_user("alice")
    bob = make_user("bob")
    line = make_completed_line(alice, quantity=3, product_name="Шерстяное пальто")
    approved = make_listing(
        alice,
        status=ListingStatus.APPROVED,
        admin=admin,
        line=line,
        name="Пальто",
        description="Звоните +7 900 000-00-00",
        price="1500",
    )
    declined = make_listing(
        alice, status=ListingStatus.DECLINED, admin=admin, line=line, name="Шапка", price="1499.90", description="Новая"
    )
    return {"admin": admin, "alice": alice, "bob": bob, "approved": approved, "declined": declined}


def page(client, url, headers=RU, status=200):
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- Accept-Language


def test_public_pages_in_russian(client, story):
    listing = story["approved"]
    home = page(client, "/")
    assert '<html lang="ru">' in home
    for label in ("Барахолка", "Войти", "Регистрация", "Все объявления", "Пальто"):
        assert label in home
    assert "1\xa0500\xa0₽" in home  # Babel's Russian currency format
    showcase = page(client, "/pristroy/")
    assert "1 объявление" in showcase and "Сначала новые" in showcase
    item = page(client, f"/pristroy/{listing.id}")
    for label in ("Отзывы", "Продавец", "Количество", "Описание", "Пожаловаться на объявление"):
        assert label in item
    for url, body in (("/", home), ("/pristroy/", showcase), (f"/pristroy/{listing.id}", item)):
        assert latin_words(body) == [], url
    assert latin_words(page(client, "/login")) == []
    assert latin_words(page(client, "/register")) == []
    assert latin_words(page(client, "/no-such-page", status=404)) == []


def test_public_pages_in_english(client, story):
    listing = story["approved"]
    home = page(client, "/", headers=EN)
    assert '<html lang="en">' in home
    assert "Flea market" in home and "RUB\xa01,500" in home
    item = page(client, f"/pristroy/{listing.id}", headers=EN)
    assert "Reviews" in item and "Seller" in item
    for body in (page(client, "/pristroy/", headers=EN), page(client, "/login", headers=EN)):
        assert cyrillic_words(body.replace("Пальто", "")) == []  # the listing's name is the seller's text


def test_no_accept_language_is_english(client, story):
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in body and "Flea market" in body


def test_customer_pages_in_russian(client, story, login_as):
    login_as(story["alice"])
    orders = page(client, "/account/orders/")
    assert "Заказы" in orders and "Выполненные заказы" in orders and "Выполнен" in orders
    completed = page(client, "/account/orders/completed")
    for label in ("Выставить на продажу", "Одобрено", "Отклонено", "Название", "Цена", "Фото", "Отмена"):
        assert label in completed
    mine = page(client, "/account/pristroy/")
    for label in ("Мои вещи на продаже", "Товар продан", "Сохранить", "Отмена", "Причина:"):
        assert label in mine
    assert "1\xa0499,90\xa0₽" in mine
    notes = page(client, "/account/notifications")
    assert "Ваше объявление одобрено" in notes and "Ваше объявление отклонено" in notes
    for url, body in (("orders", orders), ("completed", completed), ("mine", mine), ("notes", notes)):
        # The decline reason and the product's description are people's own text (English here).
        body = body.replace("Add a photo of the label", "").replace("A warm coat.", "")
        body = re.sub(r"T\d{5}[0-9a-f]{4}", "", body)  # the test's order numbers
        assert latin_words(body) == [], url


def test_english_labels_of_the_contract(client, story, login_as):
    login_as(story["alice"])
    completed = page(client, "/account/orders/completed", headers=EN)
    for label in ("Orders", "Completed orders", "Put up for sale", "Approved", "Declined", "Cancel"):
        assert label in completed
    mine = page(client, "/account/pristroy/", headers=EN)
    assert "My items for sale" in mine and "Product was sold" in mine
    assert cyrillic_words(completed.replace("Шерстяное пальто", "").replace("Пальто", "").replace("Шапка", "")) == []


def test_form_errors_in_russian(client, story, login_as):
    from models import OrderLine

    login_as(story["alice"])
    line = OrderLine.select().where(OrderLine.quantity == 3).get()
    token = csrf_from(page(client, "/account/orders/completed"))
    response = client.post(
        f"/account/orders/lines/{line.id}/sell",
        data={"csrf_token": token, "name": "", "description": "x" * 20, "price": "abc", "quantity": "1"},
        headers=RU,
    )
    body = response.get_data(as_text=True)
    assert "Введите название." in body
    assert "Введите цену, например 1500 или 1499,90." in body


def test_login_error_in_russian(client, story):
    token = get_csrf(client, "/login")
    response = client.post(
        "/login", data={"email": "alice", "password": "wrong-password", "csrf_token": token}, headers=RU
    )
    body = response.get_data(as_text=True)
    assert latin_words(body) == []


# ---------------------------------------------------------------- the switcher


def test_visitors_switcher_is_links_without_a_token_or_inline_script(client, story):
    body = page(client, "/pristroy/?sort=price", headers=EN)
    switch = re.search(r'<div class="language-switch[^"]*">.*?</div>\s*</div>', body, re.S).group(0)
    assert 'href="/language/ru?next=/pristroy/?sort%3Dprice"' in switch
    assert 'href="/language/en?next=/pristroy/?sort%3Dprice"' in switch
    assert "<form" not in switch and "csrf_token" not in body
    assert "onchange" not in body and "onclick" not in body and "<script>" not in body


def test_logged_in_switcher_is_a_post_form_with_csrf(client, story, login_as):
    login_as(story["alice"])
    body = page(client, "/pristroy/", headers=EN)
    form = re.search(r'<form[^>]*action="/language"[^>]*>.*?</form>', body, re.S).group(0)
    assert 'method="post"' in form and 'name="csrf_token"' in form
    assert 'value="ru"' in form and 'value="en"' in form


def test_switcher_remembers_the_choice_in_a_cookie_without_a_session(client, story):
    response = client.get("/language/ru", query_string={"next": "/pristroy/?sort=price"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/pristroy/?sort=price")
    assert client.get_cookie("lang").value == "ru"
    assert not client.get_cookie("session")
    # The choice wins over the browser's language from now on.
    assert "Сначала дешёвые" in page(client, "/pristroy/", headers=EN)
    client.get("/language/en")
    assert "Flea market" in page(client, "/pristroy/", headers=RU)
    assert not client.get_cookie("session")


def test_switcher_refuses_without_csrf_or_unknown_language(client, story):
    assert client.post("/language", data={"lang": "ru"}).status_code == 400
    token = get_csrf(client, "/login")
    assert client.post("/language", data={"lang": "xx", "csrf_token": token}).status_code == 400
    response = client.post("/language", data={"lang": "ru", "next": "//evil.example/", "csrf_token": token})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]
    assert client.get("/language/xx").status_code == 404
    response = client.get("/language/ru", query_string={"next": "//evil.example/"})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]


def test_logged_in_choice_goes_to_the_profile_and_persists(client, story, login_as):
    alice = story["alice"]
    login_as(alice)
    token = get_csrf(client, "/account/orders/")
    client.post("/language", data={"lang": "ru", "csrf_token": token})
    assert User.get_by_id(alice.id).locale == "ru"
    # A new browser (no session), English Accept-Language: the profile's language wins once logged in.
    login_as(alice)
    assert "Мои вещи на продаже" in page(client, "/account/pristroy/", headers=EN)


def test_user_locale_without_a_session_choice(client, make_user, login_as):
    user = make_user("olga", locale="ru")
    login_as(user)
    assert "Заказы" in page(client, "/account/orders/", headers=EN)


def test_responses_vary_by_language(client, story):
    assert "Accept-Language" in client.get("/").headers.get("Vary", "")


# ---------------------------------------------------------------- admin


def test_admin_in_russian_and_the_user_filter_still_works(client, story, login_as):
    login_as(story["admin"])
    dashboard = page(client, "/admin/")
    assert "Сводка модерации" in dashboard and "На модерации" in dashboard
    listing_page = page(client, "/admin/pristroy/")
    # Flask-Admin's own words come from its Russian catalog.
    assert "Применить" in listing_page or "Добавить фильтр" in listing_page
    assert "Пристрой" in listing_page and "Каталог" in listing_page and "Одобрить" in listing_page
    # The filter's URL name is the same in every language.
    assert '"arg": "user_starts_with"' in listing_page and "Пользователь" in listing_page
    assert 'data-arg="user_starts_with"' in listing_page
    filtered = page(client, "/admin/pristroy/?flt0_user_starts_with=ali")
    assert "Пальто" in filtered
    assert "Пальто" not in page(client, "/admin/pristroy/?flt0_user_starts_with=bob")
    assert "Шапка" in page(client, "/admin/pristroy/?flt0_status_equals=declined")
    found = client.get("/admin/pristroy/users/?q=al", headers=RU).get_json()
    assert [r["login"] for r in found["results"]] == ["alice"]
    edit = page(client, f"/admin/pristroy/edit/?id={story['approved'].id}")
    assert "Сохранить" in edit and "Отмена" in edit and "Журнал модерации" in edit


def test_admin_in_english_keeps_the_contract_labels(client, story, login_as):
    login_as(story["admin"])
    listing_page = page(client, "/admin/pristroy/", headers=EN)
    assert "Apply" in listing_page and "Pristroy" in listing_page and "Catalog" in listing_page
    assert '"arg": "user_starts_with"' in listing_page
