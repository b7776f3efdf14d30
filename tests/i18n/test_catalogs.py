"""Every string is wrapped, every message has its Russian translation, the .mo matches the .po."""

import os

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from web import i18n

from .scan import (
    python_files,
    template_files,
    untranslated_template_literals,
    untranslated_template_text,
    unwrapped_python_messages,
)

RU_PO = os.path.join(i18n.TRANSLATIONS, "ru", "LC_MESSAGES", "messages.po")
RU_MO = os.path.join(i18n.TRANSLATIONS, "ru", "LC_MESSAGES", "messages.mo")

# The outside contract's labels, exactly, and how a Russian shop writes them.
CONTRACT = {
    "On moderation": "На модерации",
    "Approved": "Одобрено",
    "Declined": "Отклонено",
    "Removed": "Удалено",
    "Sold": "Продано",
    "Put up for sale": "Выставить на продажу",
    "Product was sold": "Товар продан",
    "Apply": None,  # Flask-Admin's own catalog: «Применить»
    "Save": "Сохранить",
    "Cancel": "Отмена",
    "Reviews": "Отзывы",
    "Seller": "Продавец",
    "Flea market": "Барахолка",
    "Orders": "Заказы",
    "Completed orders": "Выполненные заказы",
    "My items for sale": "Мои вещи на продаже",
}


def _ru_catalog():
    with open(RU_PO, "rb") as fh:
        return read_po(fh, locale="ru")


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory):
    """The messages of the sources as they are now, extracted with the project's own command."""
    path = tmp_path_factory.mktemp("pot") / "messages.pot"
    i18n.extract(output=str(path))
    return str(path)


@pytest.mark.parametrize("path", list(template_files()), ids=lambda p: os.path.relpath(p, i18n.ROOT))
def test_template_text_is_wrapped(path):
    assert untranslated_template_text(path) == []
    assert untranslated_template_literals(path) == []


def test_python_messages_are_wrapped():
    found = [line for path in python_files() for line in unwrapped_python_messages(path)]
    assert found == []


def test_russian_catalog_complete_not_fuzzy_and_compiled(fresh_pot):
    """Nothing missing, untranslated, fuzzy or obsolete against a fresh extraction; the .mo is current."""
    assert i18n.problems(pot=fresh_pot) == []


def test_committed_template_is_current(fresh_pot):
    with open(fresh_pot, "rb") as fh:
        fresh = {m.id for m in read_po(fh) if m.id}
    with open(i18n.POT, "rb") as fh:
        committed = {m.id for m in read_po(fh) if m.id}
    assert fresh == committed, "run `flask --app app translate update`"


def test_translations_keep_their_placeholders():
    catalog = _ru_catalog()
    errors = [(message.id, [str(e) for e in errs]) for message, errs in catalog.check()]
    assert errors == []


def test_russian_plural_forms():
    catalog = _ru_catalog()
    assert catalog.num_plurals == 3
    listings = catalog[("%(num)s listing", "%(num)s listings")]
    assert listings.string == ("%(num)s объявление", "%(num)s объявления", "%(num)s объявлений")


def test_contract_labels():
    catalog = _ru_catalog()
    for english, russian in CONTRACT.items():
        if russian is not None:
            message = catalog.get(english)
            assert message is not None, english
            assert message.string == russian, english


def test_mo_is_what_the_po_compiles_to():
    with open(RU_MO, "rb") as fh:
        compiled = {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m.string for m in read_mo(fh) if m.id}
    assert compiled[(None, "Put up for sale")] == "Выставить на продажу"
    assert compiled[("notification", "New")] == "Новое"
    assert len(compiled) == len([m for m in _ru_catalog() if m.id])


def test_the_scanners_find_unwrapped_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% block content %}<p>Hello there</p><img alt="A photo"><p>{{ _("Fine") }}</p>'
        "{{ 'Plain text' if x else _('Wrapped') }}{% endblock %}"
    )
    assert untranslated_template_text(str(page)) == ['alt="A photo"', "Hello there"]
    assert untranslated_template_literals(str(page)) == ["line 1: 'Plain text'"]
    code = tmp_path / "views.py"
    code.write_text("flash('Saved.', 'success')\nflash(_('Saved.'), 'success')\nraise ValidationError(f'Bad {x}')\n")
    assert len(unwrapped_python_messages(str(code))) == 2
