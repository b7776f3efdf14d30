"""Sellers' plain text made readable and clickable, with no HTML let through.

`linkify(text)` escapes everything the seller wrote and only then turns links,
email addresses, phone numbers and Telegram @names into anchors it builds
itself; nh3 then cleans the result once more with a list of allowed tags,
attributes and URL schemes, so a mistake here still cannot let markup through.
Line breaks are kept by the page's CSS (`white-space: pre-line`).
"""

import re

import nh3
from markupsafe import Markup, escape

from models.text import EMAIL, PHONE, PHONE_DIGITS, TELEGRAM, without_contacts

URL = r"(?:https?://|www\.)[^\s<>\"'`]+"
TOKEN_RE = re.compile(f"(?P<url>{URL})|(?P<email>{EMAIL})|(?P<tg>{TELEGRAM})|(?P<phone>{PHONE})")
TRAILING = ".,;:!?)]}»\"'"

ALLOWED_TAGS = {"a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "class"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}


def _anchor(href, text, css):
    return f'<a href="{escape(href)}" class="{css}">{escape(text)}</a>'


def _link(match):
    """(html, characters to give back to the plain text) for one match."""
    kind = match.lastgroup
    raw = match.group()
    if kind == "url":
        stripped = raw.rstrip(TRAILING)
        # Keep a closing bracket that belongs to the address, as in wiki links.
        while raw[len(stripped) : len(stripped) + 1] == ")" and stripped.count("(") > stripped.count(")"):
            stripped += ")"
        tail = raw[len(stripped) :]
        href = stripped if stripped.startswith("http") else "https://" + stripped
        return _anchor(href, stripped, "text-link"), tail
    if kind == "email":
        return _anchor("mailto:" + raw, raw, "text-email"), ""
    if kind == "tg":
        return _anchor("https://t.me/" + raw[1:], raw, "text-telegram"), ""
    digits = re.sub(r"\D", "", raw)
    if len(digits) not in PHONE_DIGITS:
        return None, ""
    return _anchor("tel:" + ("+" if raw.startswith("+") else "") + digits, raw, "text-phone"), ""


def linkify(text):
    """Escaped text with links, emails, phones and Telegram names as anchors (Markup)."""
    text = text or ""
    out, last = [], 0
    for match in TOKEN_RE.finditer(text):
        html, tail = _link(match)
        if html is None:
            continue
        out.append(str(escape(text[last : match.start()])))
        out.append(html)
        out.append(str(escape(tail)))
        last = match.end()
    out.append(str(escape(text[last:])))
    cleaned = nh3.clean(
        "".join(out),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
    )
    return Markup(cleaned)


def excerpt(text, length=160):
    """One line of plain text for meta descriptions, structured data and feeds, without the
    seller's contacts: those are for the item page's own readers (`models.text.without_contacts`)."""
    flat = " ".join(without_contacts(text).split())
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1].rsplit(" ", 1)[0]
    return cut + "…"
