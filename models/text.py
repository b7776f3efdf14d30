"""One rule for every piece of text a user types: normalised, bounded, no control characters."""

import re
import unicodedata

# C0/C1 control characters, DEL, and the invisible direction overrides used to
# disguise text. Line breaks and tabs are fine in multi-line text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class TextError(ValueError):
    """Text that can't be accepted; the message says why."""


def clean_text(value, max_length, multiline=False):
    """NFC-normalised, stripped text; TextError if it has control characters or is too long."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    if pattern.search(text):
        raise TextError("control")
    if len(text) > max_length:
        raise TextError("length")
    return text
