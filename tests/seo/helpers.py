"""Reading a page as a crawler does: its head's links and metas, its JSON-LD."""

import html
import json
import re


def page_of(response):
    return response.get_data(as_text=True)


def canonical(page):
    """The page's `<link rel="canonical">` address (entities decoded)."""
    return html.unescape(re.search(r'<link rel="canonical" href="([^"]*)">', page).group(1))


def meta(page, attribute, name):
    """A `<meta name=...>` or `<meta property=...>`'s content, decoded."""
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', page)
    return html.unescape(match.group(1)) if match else None


def json_ld_blocks(page):
    """The raw text of each `<script type="application/ld+json">` block."""
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)


def json_ld(page):
    """The page's one JSON-LD document, parsed as a search engine parses it."""
    blocks = json_ld_blocks(page)
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])
