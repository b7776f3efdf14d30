"""A domain refusal the view did not show on a form becomes its status code, as a page or as JSON."""

import pytest

from models.errors import CONFLICT, FORBIDDEN, INVALID, NOT_FOUND, DomainError


@pytest.fixture
def refusing_app(app):
    def refuse(kind):
        raise DomainError("Refused: <b>no</b>", kind=kind)

    app.add_url_rule("/refuse/<kind>", "refuse_page", refuse)
    app.add_url_rule("/api/refuse/<kind>", "refuse_api", refuse)
    return app


@pytest.mark.parametrize("kind, code", [(NOT_FOUND, 404), (FORBIDDEN, 403), (INVALID, 422)])
def test_domain_error_is_the_error_page_with_its_code(refusing_app, kind, code):
    response = refusing_app.test_client().get(f"/refuse/{kind}")
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert "Refused: &lt;b&gt;no&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "kind, code, word",
    [
        (NOT_FOUND, 404, "not_found"),
        (FORBIDDEN, 403, "forbidden"),
        (INVALID, 422, "invalid"),
        (CONFLICT, 409, "conflict"),
    ],
)
def test_domain_error_under_api_is_json(refusing_app, kind, code, word):
    """The API's one error shape (the contract's): a code word, the message, the fields."""
    response = refusing_app.test_client().get(f"/api/refuse/{kind}")
    assert response.status_code == code
    assert response.get_json() == {"error": {"code": word, "message": "Refused: <b>no</b>", "fields": {}}}


def test_plain_404_is_still_the_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
