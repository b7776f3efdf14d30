"""Customers, products, photos and orders pushed by the store: created, updated, unchanged, refused."""

import os

import pytest

from models import Order, OrderLine, Photo, Product, User
from tests.api.conftest import customer_body, line, order_body, product_body
from tests.conftest import image_bytes


def test_customer_created_then_updated_then_unchanged(store):
    created = store.put("/api/v1/customers/c1", customer_body())
    assert created.status_code == 201
    body = created.get_json()
    assert body["external_id"] == "c1" and body["login"] == "buyer1" and body["email"] == "buyer1@example.com"
    user = User.get(User.external_id == "c1")
    assert user.password is None  # they come in by a sign-in link

    stamp = User.get(User.external_id == "c1").updated_at
    same = store.put("/api/v1/customers/c1", customer_body())
    assert same.status_code == 200 and same.get_json() == body
    assert User.get(User.external_id == "c1").updated_at == stamp

    changed = store.put("/api/v1/customers/c1", customer_body(name="New name", language="ru"))
    assert changed.status_code == 200
    assert changed.get_json()["name"] == "New name"
    assert User.get(User.external_id == "c1").updated_at > stamp
    assert User.select().where(User.external_id == "c1").count() == 1
    assert User.get(User.external_id == "c1").locale == "ru"


def test_customer_whose_email_is_anothers_is_a_conflict(store, make_user):
    make_user("taken", email="taken@example.com", external_id="other")
    response = store.put("/api/v1/customers/c1", customer_body(email="taken@example.com"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert not User.select().where(User.external_id == "c1").exists()


def test_product_and_its_photo(store, app):
    created = store.put("/api/v1/products/p1", product_body())
    assert created.status_code == 201 and created.get_json()["price"] == "1500.00"
    assert store.put("/api/v1/products/p1", product_body()).status_code == 200
    jpeg = image_bytes("JPEG", size=(2400, 1200))
    photo = store.put("/api/v1/products/p1/photo", data=jpeg, headers={"Content-Type": "image/jpeg"})
    assert photo.status_code == 200, photo.get_json()
    body = photo.get_json()
    assert body["photo_url"].startswith("http://localhost/") and body["thumbnail_url"].startswith("http://localhost/")
    stored = Photo.get()
    assert (stored.width, stored.height) == (1600, 800)  # the upload pipeline's display size
    with store.client.get(body["photo_url"].removeprefix("http://localhost")) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
    # The same bytes again: nothing new.
    updated_at = Product.get().updated_at
    assert store.put("/api/v1/products/p1/photo", data=jpeg, headers={"Content-Type": "image/jpeg"}).status_code == 200
    assert Photo.select().count() == 1 and Product.get().updated_at == updated_at
    # Another photo replaces it (the old one's files go).
    png = image_bytes("PNG", color=(1, 2, 3))
    assert store.put("/api/v1/products/p1/photo", data=png, headers={"Content-Type": "image/png"}).status_code == 200
    assert Photo.select().count() == 1 and Photo.get().ext == "png"


def test_the_product_photo_has_webp_copies_that_go_with_it(store, app):
    from models.photos import WEBP_BOXES, all_filenames

    store.put("/api/v1/products/p1", product_body())
    jpeg = image_bytes("JPEG", size=(2400, 1200))
    assert store.put("/api/v1/products/p1/photo", data=jpeg, headers={"Content-Type": "image/jpeg"}).status_code == 200
    first = Photo.get()
    names = set(all_filenames(first.stem, first.ext))
    assert len(names) == 2 + len(WEBP_BOXES) and names <= set(os.listdir(app.config["UPLOAD_DIR"]))
    with store.client.get(f"/media/{first.webp_filename(480)}") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
    png = image_bytes("PNG", color=(1, 2, 3))
    assert store.put("/api/v1/products/p1/photo", data=png, headers={"Content-Type": "image/png"}).status_code == 200
    assert not names & set(os.listdir(app.config["UPLOAD_DIR"]))  # the replaced photo's copies went too


@pytest.mark.parametrize(
    "data, content_type, field",
    [(b"not an image", "image/jpeg", "photo"), (image_bytes("JPEG"), "text/plain", "Content-Type")],
)
def test_photo_rules_apply(store, data, content_type, field):
    store.put("/api/v1/products/p1", product_body())
    response = store.put("/api/v1/products/p1/photo", data=data, headers={"Content-Type": content_type})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert Photo.select().count() == 0


def test_photo_of_unknown_product_is_404(store):
    response = store.put("/api/v1/products/nope/photo", data=image_bytes(), headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_photo_over_10_mb_is_413(store):
    store.put("/api/v1/products/p1", product_body())
    big = b"x" * (10 * 1024 * 1024 + 1)
    response = store.put("/api/v1/products/p1/photo", data=big, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_order_created_then_the_same_body_changes_nothing(store, pushed):
    assert pushed["status"] == "completed" and pushed["lines"][0]["quantity"] == 3
    assert pushed["placed_at"] == "2026-11-01T07:00:00Z"  # stored in UTC
    before = (Order.get().updated_at, [(line.id, line.quantity) for line in OrderLine.select()])
    again = store.put("/api/v1/orders/o1", order_body())
    assert again.status_code == 200 and again.get_json() == pushed
    assert (Order.get().updated_at, [(line.id, line.quantity) for line in OrderLine.select()]) == before
    assert Order.select().count() == 1 and OrderLine.select().count() == 1


def test_order_lines_are_those_of_the_body(store, pushed):
    store.put("/api/v1/products/p2", product_body(name="Hat"))
    lines = [
        {"external_id": "l1", "product": "p1", "quantity": 2, "price": "1400"},
        {"external_id": "l2", "product": "p2", "quantity": 1, "price": "300"},
    ]
    response = store.put("/api/v1/orders/o1", order_body(lines=lines))
    assert response.status_code == 200
    assert [(line["external_id"], line["quantity"]) for line in response.get_json()["lines"]] == [("l1", 2), ("l2", 1)]
    only_l2 = store.put("/api/v1/orders/o1", order_body(lines=lines[1:]))
    assert [line["external_id"] for line in only_l2.get_json()["lines"]] == ["l2"]


def test_not_json_is_400(store):
    for kwargs in ({"data": "{not json", "content_type": "application/json"}, {"data": "a=1"}, {"json": [1, 2]}):
        response = store.client.put("/api/v1/customers/c1", headers=store._headers(None), **kwargs)
        assert response.status_code == 400, kwargs
        assert response.get_json()["error"]["code"] == "bad_request"


def test_missing_and_wrong_fields_are_422_naming_each(store):
    response = store.put("/api/v1/customers/c1", {"email": "not-an-email", "language": "de"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"email", "login", "language"}
    bad_order = order_body(status="lost", lines=[{"external_id": "l1", "product": "p1", "quantity": 0, "price": "x"}])
    fields = store.put("/api/v1/orders/o1", bad_order).get_json()["error"]["fields"]
    assert set(fields) == {"status", "lines.0.quantity", "lines.0.price"}


def test_unknown_customer_or_product_in_an_order_is_422_naming_it(store, pushed):
    response = store.put("/api/v1/orders/o2", order_body(customer="ghost", number="S-2"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"customer": "There is no customer with this external_id."}
    lines = [
        {"external_id": "l7", "product": "p1", "quantity": 1, "price": "1"},
        {"external_id": "l8", "product": "ghost", "quantity": 1, "price": "1"},
    ]
    response = store.put("/api/v1/orders/o2", order_body(number="S-2", lines=lines))
    assert response.status_code == 422
    assert "ghost" in response.get_json()["error"]["fields"]["lines.1.product"]
    # Never half an order.
    assert Order.select().count() == 1 and OrderLine.select().count() == 1


def test_a_line_of_another_order_is_refused_whole(store, pushed):
    lines = [
        {"external_id": "new", "product": "p1", "quantity": 1, "price": "1"},
        {"external_id": "l1", "product": "p1", "quantity": 1, "price": "1"},
    ]
    response = store.put("/api/v1/orders/o2", order_body(number="S-2", lines=lines))
    assert response.status_code == 422
    assert "lines.1.external_id" in response.get_json()["error"]["fields"]
    assert Order.select().count() == 1 and OrderLine.select().count() == 1


def test_order_number_of_another_order_is_409(store, pushed):
    response = store.put("/api/v1/orders/o2", order_body(lines=[line("x", quantity=1)]))
    assert response.status_code == 409
    assert Order.select().count() == 1


def test_a_json_body_over_the_limit_is_413(store):
    response = store.put("/api/v1/customers/c1", customer_body(name="x" * (1024 * 1024)))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_unknown_url_and_method_answer_in_json(store):
    assert store.get("/api/v1/nothing").get_json()["error"]["code"] == "not_found"
    response = store.client.delete("/api/v1/customers/c1")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_control_characters_are_422_naming_the_field_never_a_500(store, pushed):
    # PostgreSQL refuses NUL in any text, so it must never reach the database (schemathesis found it).
    message = "Control characters are not allowed here."
    response = store.put("/api/v1/orders/o2", order_body(customer="c\x001", number="S-2"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"customer": message}
    response = store.put("/api/v1/orders/o\x002", order_body(number="S\x002"))
    assert response.status_code in (404, 422)
    response = store.put("/api/v1/products/p2", product_body(name="Coat\x00", description="Warm\x00"))
    assert set(response.get_json()["error"]["fields"]) == {"name", "description"}
    response = store.put("/api/v1/customers/c2", customer_body(2, name="Buyer\n2"))
    assert response.get_json()["error"]["fields"] == {"name": message}
    assert store.put("/api/v1/products/p2", product_body(description="Warm.\nSoft.")).status_code == 201
    assert Order.select().count() == 1
