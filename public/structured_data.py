"""What search engines read about an item page: a schema.org Product with its Offer, as JSON-LD.

Built here as a dict and serialised once, so the template holds no words of its own
and nothing a seller typed can end the `<script>` block: `<`, `>` and `&` are written
as JSON escapes (`\\u003c`...), which a JSON parser reads back as the same text.
"""

import json
from decimal import Decimal

from flask import current_app
from markupsafe import Markup

from models.text import without_contacts
from web.urls import absolute_url, canonical_url, photo_url

SCHEMA = "https://schema.org"
# The characters that could close the script element or start markup inside it, and the
# two line separators older JavaScript parsers refuse in strings.
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def product(listing, photos, store_photo=None):
    """The item page's Product: name, description without contacts, absolute photo addresses,
    the page's address and the Offer (price with two decimals, currency, used condition,
    in stock while public, the seller by display name only)."""
    url = canonical_url("showcase.item", listing_id=listing.id)
    shown = list(photos) or ([store_photo] if store_photo is not None else [])
    offer = {
        "@type": "Offer",
        "url": url,
        "price": f"{Decimal(listing.price):.2f}",
        "priceCurrency": current_app.config["CURRENCY"],
        "itemCondition": f"{SCHEMA}/UsedCondition",
        "seller": {"@type": "Person", "name": listing.owner.display_name},
    }
    if listing.is_public:
        # Only a public listing is for sale; its owner's and the moderators' previews claim nothing.
        offer["availability"] = f"{SCHEMA}/InStock"
    data = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": listing.name,
        "description": " ".join(without_contacts(listing.description).split()) or listing.name,
        "url": url,
        "itemCondition": f"{SCHEMA}/UsedCondition",
    }
    if shown:
        data["image"] = [absolute_url(photo_url(photo)) for photo in shown]
    data["offers"] = offer
    return json_ld(data)


def json_ld(data):
    """`data` as JSON safe to put between `<script type="application/ld+json">` tags (Markup)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)
