"""One rule for every piece of text a user types: normalised, bounded, no control characters,
and something visible in it.
"""

import re
import unicodedata

# C0/C1 control characters, DEL, and the invisible direction overrides used to
# disguise text. Line breaks and tabs are fine in multi-line text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# Characters that show nothing although they are not spaces: a text made only of
# them (and spaces) is empty. Format characters (Cf: zero-width space U+200B,
# ZWNJ, ZWJ, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD, ...) are found
# by category; these are the blank letters and symbols besides them.
_BLANK = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u180b\u180c\u180d\u180e\u180f"  # Mongolian variation selectors, vowel separator
    "\u2800"  # braille pattern blank
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f"
)


def _invisible(char):
    return char.isspace() or char in _BLANK or unicodedata.category(char) in ("Cf", "Zs", "Zl", "Zp", "Cc")


def has_control(value, multiline=False):
    """Whether `value` holds a control or bidi-override character (newlines and tabs allowed
    only when `multiline`): what no stored text may contain (PostgreSQL refuses NUL outright)."""
    return bool((_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(value))


def is_blank(text):
    """True if nothing of `text` would show: only spaces and invisible characters."""
    return all(_invisible(char) for char in text)


class TextError(ValueError):
    """Text that can't be accepted; the message says why."""


def clean_text(value, max_length, multiline=False):
    """NFC-normalised, stripped text; TextError if it has control characters or is too long.

    Text with nothing visible in it (only zero-width spaces, joiners, fillers...) is
    returned as "", so every caller's "required" check refuses it as empty.
    """
    text = unicodedata.normalize("NFC", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    if pattern.search(text):
        raise TextError("control")
    if len(text) > max_length:
        raise TextError("length")
    if is_blank(text):
        return ""
    return text


# ---------------------------------------------------------------- contacts
# How a seller writes a way to reach them. The item page turns these into links
# (public/text.py `linkify`); everything that carries a listing's text off that page
# (meta and social descriptions, structured data, the feed) leaves them out, so they
# are not harvested from search results, shared cards or feed readers.
EMAIL = r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# A leading + or digit, then digits with spaces, dashes, dots or brackets; 10 to 15 digits in all
# (PHONE_DIGITS), so prices, sizes and years are left alone.
PHONE = r"(?<![\w+])\+?\d[\d \t().-]{7,20}\d(?!\w)"
PHONE_DIGITS = range(10, 16)
TELEGRAM = r"(?<![\w@./])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])"
TELEGRAM_LINK = r"(?<![\w./])(?:https?://)?(?:www\.)?(?:t|telegram)\.me/[A-Za-z0-9_+/-]+"

_CONTACT_RE = re.compile(
    f"(?P<link>{TELEGRAM_LINK})|(?P<email>{EMAIL})|(?P<tg>{TELEGRAM})|(?P<phone>{PHONE})", re.IGNORECASE
)
_EMPTY_BRACKETS = re.compile(r"\(\s*[,;:]?\s*\)|\[\s*\]")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.;:!?)])")
_REPEATED_PUNCT = re.compile(r"([,;:])(?:[ \t]*[,;:])+")
_LINE_EDGE = re.compile(r"^[ \t,;:/–—-]+|[ \t,;:/–—-]+$", re.MULTILINE)


def _is_contact(match):
    if match.lastgroup != "phone":
        return True
    return sum(char.isdigit() for char in match.group()) in PHONE_DIGITS


def without_contacts(text):
    """`text` with phone numbers, email addresses and Telegram names and links cut out.

    What is left around a cut is tidied: no doubled spaces or commas, no empty
    brackets, no dangling separators at a line's ends, no lines emptied by the cut.
    """
    text = text or ""
    if not _CONTACT_RE.search(text):
        return text.strip()
    cut = _CONTACT_RE.sub(lambda m: " " if _is_contact(m) else m.group(), text)
    cut = _EMPTY_BRACKETS.sub(" ", cut)
    cut = _SPACES.sub(" ", cut)
    cut = _SPACE_BEFORE_PUNCT.sub(r"\1", cut)
    cut = _REPEATED_PUNCT.sub(r"\1", cut)
    cut = _LINE_EDGE.sub("", cut)
    return "\n".join(line for line in cut.split("\n") if line.strip()).strip()
