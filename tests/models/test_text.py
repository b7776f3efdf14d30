"""The one text rule (models.text.clean_text): literal cases, so that changing the rule breaks a test."""

import pytest

from models.text import TextError, clean_text, is_blank

INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "Hangul filler": "\u3164",
    "halfwidth Hangul filler": "\uffa0",
    "Hangul choseong filler": "\u115f",
    "braille blank": "\u2800",
    "Mongolian vowel separator": "\u180e",
    "variation selector 16": "\ufe0f",
    "combining grapheme joiner": "\u034f",
    "tag letter A": "\U000e0041",
    "no-break space": "\u00a0",
    "ideographic space": "\u3000",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
@pytest.mark.parametrize("multiline", [False, True])
def test_text_of_invisible_characters_only_is_empty(char, multiline):
    assert clean_text(char, 100, multiline=multiline) == ""
    assert clean_text(f" {char}{char} {char}", 100, multiline=multiline) == ""
    assert is_blank(char * 3)


def test_a_mix_of_invisible_characters_is_empty():
    assert clean_text("\u200b\u200c\u200d\u2060\ufeff\u00ad\u3164\u2800", 100) == ""
    assert clean_text("\u200b\n\u3164\n\u2800", 100, multiline=True) == ""


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Blue jacket", "Blue jacket"),
        ("  Blue jacket \n", "Blue jacket"),
        # Visible text keeps its joiners: emoji sequences and some scripts need them.
        ("I \u2764\ufe0f it", "I \u2764\ufe0f it"),
        ("\U0001f469\u200d\U0001f4bb", "\U0001f469\u200d\U0001f4bb"),
        ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
        ("x\u200b", "x\u200b"),
        ("e\u0301", "\u00e9"),  # NFC
        ("-", "-"),
        ("", ""),
        (None, ""),
    ],
)
def test_visible_text_is_kept(text, expected):
    assert clean_text(text, 100) == expected


@pytest.mark.parametrize("text", ["a\x00b", "a\x1bb", "a\u202eb", "a\u2066b", "\u202e", "a\tb", "a\nb"])
def test_control_characters_are_refused_on_one_line(text):
    with pytest.raises(TextError, match="control"):
        clean_text(text, 100)


def test_line_breaks_and_tabs_are_fine_in_multiline_text():
    assert clean_text("a\r\n\tb", 100, multiline=True) == "a\n\tb"


def test_length():
    assert clean_text("x" * 5, 5) == "x" * 5
    with pytest.raises(TextError, match="length"):
        clean_text("x" * 6, 5)
