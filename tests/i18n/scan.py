"""Finders of text that is not wrapped for translation (used by test_catalogs)."""

import ast
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Jinja constructs, removed before looking at what is left.
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
# Attributes whose value a person reads or hears.
VISIBLE_ATTRS = re.compile(r'\b(title|alt|placeholder|aria-label|label|content|data-confirm)\s*=\s*"([^"]*)"', re.I)
# Literal values of attributes that are machine words, not text.
MACHINE_VALUES = re.compile(r"^(product|website|used|noindex.*|width=device-width.*|utf-8)$")
LETTERS = re.compile(r"[A-Za-zА-Яа-яЁё]{2,}")


def template_files():
    base = os.path.join(ROOT, "templates")
    for folder, _dirs, files in os.walk(base):
        for name in sorted(files):
            if name.endswith((".html", ".txt", ".xml")):
                yield os.path.join(folder, name)


def untranslated_template_text(path):
    """Visible words of a template outside {{ _() }}: text between tags and readable attributes."""
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    found = []
    for match in VISIBLE_ATTRS.finditer(JINJA.sub("", source)):
        value = match.group(2).strip()
        if value and LETTERS.search(value) and not MACHINE_VALUES.match(value):
            found.append(f'{match.group(1)}="{value}"')
    text = TAG.sub(" ", SCRIPT_STYLE.sub(" ", JINJA.sub(" ", source)))
    if path.endswith(".xml"):
        text = ""  # feeds and sitemaps: their only words come from _() and the data
    for word_run in re.split(r"\s{2,}|\n", text):
        # Addresses in plain-text mails ({{ config.PUBLIC_URL }}/account/pristroy/) are not words.
        word_run = " ".join(w for w in word_run.split() if not w.startswith(("/", "#")))
        if LETTERS.search(word_run) and not word_run.startswith("&"):
            found.append(word_run)
    return found


WRAPPERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}
# Calls whose message a person sees: a string literal in them must be wrapped.
SHOWN = {
    "flash",
    "ValidationError",
    "ListingStateError",
    "ListingInputError",
    "DomainError",
    "PhotoError",
    "abort",
    "DataRequired",
    "InputRequired",
}


def python_files():
    for package in ("models", "web", "public", "admin_views"):
        folder = os.path.join(ROOT, package)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def _name(func):
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def unwrapped_python_messages(path):
    """Literal messages given to flash(), validators or domain errors without _()."""
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in SHOWN:
            args = list(node.args) + [kw.value for kw in node.keywords if kw.arg in ("message", "description")]
            for arg in args:
                if isinstance(arg, (ast.Constant, ast.JoinedStr)) and not (
                    isinstance(arg, ast.Constant) and not isinstance(arg.value, str)
                ):
                    value = arg.value if isinstance(arg, ast.Constant) else ast.unparse(arg)
                    if LETTERS.search(value) and value not in ("success", "error", "danger", "info", "warning"):
                        found.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}: {name}({value!r})")
        if name in WRAPPERS and node.args and not isinstance(node.args[0], ast.Constant):
            # _(variable) cannot be extracted: the message never reaches the catalog.
            found.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}: {name}() of a non-literal")
    return found


TEMPLATE_WRAPPERS = {"_", "gettext", "ngettext", "pgettext", "_gettext", "_ngettext"}
# Literals in templates that are code, not text.
TECHNICAL = {"FileField"}
PROSE = re.compile(r"[A-Za-z]{2,}.*\s|^[A-Z][a-z]+")


def untranslated_template_literals(path):
    """String literals inside {{ }} / {% %} that read like text but are not in a gettext call."""
    from jinja2 import Environment, nodes

    env = Environment(extensions=["jinja2.ext.i18n"])
    with open(path, encoding="utf-8") as fh:
        tree = env.parse(fh.read())
    wrapped = set()
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in TEMPLATE_WRAPPERS:
            wrapped.update(id(arg) for arg in call.args)
    found = []
    for const in tree.find_all(nodes.Const):
        value = const.value
        if isinstance(value, str) and id(const) not in wrapped and value not in TECHNICAL and PROSE.search(value):
            found.append(f"line {const.lineno}: {value!r}")
    return found
