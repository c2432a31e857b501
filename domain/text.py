"""Checks on text people see, shared by the aggregates.

Every text is normalised to Unicode NFC and refuses control characters (only message and
broadcast bodies keep newlines and tabs; a CR LF or lone CR becomes a newline). Names (display
names, room names, device names) also refuse the bidirectional embedding, override and isolate
characters U+202A–U+202E and U+2066–U+2069: in a name they can make one user's name read as
another's, and a name never needs them, since right-to-left scripts display correctly without.
"""

from __future__ import annotations

import unicodedata
from enum import Enum

from .errors import InvalidInput
from .graphemes import clusters

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Cc (controls), Cs (lone surrogates), Zl and Zp (line and paragraph separators).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
MAX_SHORTCODE = 32
_SHORTCODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_+-")


class Kind(Enum):
    NAME = "name"  # one line, no bidirectional controls
    LINE = "line"  # one line: titles, topics
    BODY = "body"  # newlines and tabs kept


def bounded_text(field: str, value: str, *, min_len: int, max_len: int, kind: Kind = Kind.LINE) -> str:
    trimmed = clean_text(field, value, kind)
    if not min_len <= len(trimmed) <= max_len:
        raise InvalidInput(field, f"must be {min_len}–{max_len} characters after trimming")
    return trimmed


def optional_text(field: str, value: str | None, *, max_len: int, kind: Kind = Kind.LINE) -> str | None:
    if value is None:
        return None
    trimmed = clean_text(field, value, kind)
    if len(trimmed) > max_len:
        raise InvalidInput(field, f"must be at most {max_len} characters")
    return trimmed or None


def clean_text(field: str, value: str, kind: Kind) -> str:
    """NFC, trimmed, and checked for characters `kind` refuses."""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    text = unicodedata.normalize("NFC", value)
    if kind is Kind.BODY:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for char in text:
        if _refused(char, kind):
            raise InvalidInput(field, f"must not contain the control character U+{ord(char):04X}")
    return text.strip()


def _refused(char: str, kind: Kind) -> bool:
    if kind is Kind.BODY and char in "\n\t":
        return False
    if kind is Kind.NAME and char in BIDI_CONTROLS:
        return True
    return unicodedata.category(char) in _REFUSED_CATEGORIES


def key_text(field: str, value: str, *, max_len: int) -> str:
    """An opaque key chosen by a client (client_msg_id, Idempotency-Key): not blank, no controls."""
    if not isinstance(value, str) or not 1 <= len(value) <= max_len or not value.strip():
        raise InvalidInput(field, f"must be 1–{max_len} characters, not all blank")
    if any(_refused(char, Kind.LINE) for char in value):
        raise InvalidInput(field, "must not contain control characters")
    return value


def reaction_key(field: str, value: str, *, max_len: int) -> str:
    """One grapheme cluster that shows something (an emoji with its modifiers, a flag, a keycap...),
    or a `:shortcode:` of a–z, 0–9, _, + and -."""
    if not isinstance(value, str) or not 1 <= len(value) <= max_len:
        raise InvalidInput(field, f"must be one emoji or a :shortcode:, at most {max_len} characters")
    if _is_shortcode(value):
        return value
    key = unicodedata.normalize("NFC", value)
    # A cluster that starts with a mark, a separator or a format character has nothing to show.
    if len(clusters(key)) != 1 or unicodedata.category(key[0])[0] in "CZM" or any(_refused(c, Kind.NAME) for c in key):
        raise InvalidInput(field, f"must be one emoji (one grapheme) or a :shortcode: of [a-z0-9_+-], "
                                  f"at most {MAX_SHORTCODE} characters between the colons")
    return key


def _is_shortcode(value: str) -> bool:
    name = value[1:-1]
    return (len(value) > 2 and value[0] == value[-1] == ":" and len(name) <= MAX_SHORTCODE
            and all(char in _SHORTCODE_CHARS for char in name))
