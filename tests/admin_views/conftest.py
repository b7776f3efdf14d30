"""Helpers for the admin tests: read the forms a page really renders and submit them."""

from html.parser import HTMLParser

import pytest


class _Forms(HTMLParser):
    """Every form of a page: its attributes, inputs and submit buttons.

    Inputs outside a form that name one with `form="id"` (the list's row
    checkboxes) are collected under that form, as a browser would.
    """

    def __init__(self):
        super().__init__()
        self.forms = []
        self._current = None
        self._textarea = None
        self._orphans = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"attrs": attrs, "inputs": [], "buttons": [], "textareas": {}}
            self.forms.append(self._current)
        elif tag == "input":
            target = self._current
            if attrs.get("form"):
                self._orphans.append(attrs)
                return
            if target is not None:
                target["inputs"].append(attrs)
        elif tag == "button" and self._current is not None:
            self._current["buttons"].append(attrs)
        elif tag == "textarea" and self._current is not None:
            self._textarea = attrs.get("name")
            self._current["textareas"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self._current is not None:
            self._current["textareas"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None

    def close(self):
        super().close()
        for attrs in self._orphans:
            for form in self.forms:
                if form["attrs"].get("id") == attrs["form"]:
                    form["inputs"].append(attrs)
        return self.forms


def parse_forms(html):
    parser = _Forms()
    parser.feed(html)
    return parser.close()


def find_form(html, predicate):
    forms = [f for f in parse_forms(html) if predicate(f)]
    assert forms, "no such form on the page"
    return forms[0]


def hidden_fields(form):
    """What a browser sends for a form's hidden inputs (repeated names kept)."""
    return [(i["name"], i.get("value", "")) for i in form["inputs"] if i.get("type") == "hidden" and i.get("name")]


def action_form(html):
    return find_form(html, lambda f: f["attrs"].get("id") == "action_form")


def row_form(html, listing_id):
    """The per-row moderation form of one listing."""
    return find_form(
        html,
        lambda f: "row-moderation" in f["attrs"].get("class", "") and ("rowid", str(listing_id)) in hidden_fields(f),
    )


def buttons(form):
    return [b.get("value") for b in form["buttons"] if b.get("name") == "action"]


def submit_bulk(client, html, action, ids):
    """Tick the rows' checkboxes and press an action button under the list, like a browser."""
    form = action_form(html)
    assert action in buttons(form), f"no {action} button under the list"
    boxes = {i["value"] for i in form["inputs"] if i.get("type") == "checkbox" and i.get("name") == "rowid"}
    for listing_id in ids:
        assert str(listing_id) in boxes, f"row {listing_id} has no checkbox"
    data = hidden_fields(form) + [("rowid", str(i)) for i in ids] + [("action", action)]
    return client.post(form["attrs"]["action"], data=_multi(data))


def submit_row(client, html, listing_id, action):
    form = row_form(html, listing_id)
    assert action in buttons(form), f"no {action} button in row {listing_id}"
    data = hidden_fields(form) + [("action", action)]
    return client.post(form["attrs"]["action"], data=_multi(data))


def _multi(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


@pytest.fixture
def admin_client(login_as, admin):
    return login_as(admin)
