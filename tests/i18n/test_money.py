"""Prices are written exactly as Babel writes them for the locale, only faster."""

from decimal import Decimal

import pytest
from babel import Locale

from web.i18n import babel_money, money

AMOUNTS = [
    "0.01",
    "1",
    "9.9",
    "15",
    "999.99",
    "1000",
    "1500",
    "12345.5",
    "99999999.99",
]  # prices are positive (the domain refuses others)


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("currency", ["RUB", "EUR"])
def test_money_matches_babel(app, locale, currency):
    from flask_babel import force_locale

    app.config["CURRENCY"] = currency
    with app.test_request_context(), force_locale(locale):
        for amount in AMOUNTS:
            assert money(Decimal(amount)) == babel_money(Decimal(amount), Locale.parse(locale), currency), amount


def test_money_examples(app):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("ru"):
            assert money(Decimal("1500")).replace("\u202f", " ").replace("\u00a0", " ") == "1 500 ₽"
        with force_locale("en"):
            assert money(Decimal("1499.9")) == "RUB\u00a01,499.90"
