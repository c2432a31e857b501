"""The words of a text, as full-text search matches them: one tokenizer for every read store.

A word is a run of letters, digits and combining marks (anything else separates words, the
apostrophe and the underscore included), lower-cased, with the accents of Latin letters
removed (é, è, ê → e) as SQLite's unicode61 tokenizer with remove_diacritics 2 does. Both
read stores index and query these words, so they give the same answers.
"""

from __future__ import annotations

import unicodedata

_LATIN = ((0x0041, 0x0250), (0x1E00, 0x1F00))  # Basic Latin to Latin Extended-B, Latin Extended Additional


def words(text: str) -> list[str]:
    found, current = [], []
    for char in unicodedata.normalize("NFD", text or ""):
        if _in_word(char):
            current.append(char)
        elif current:
            found.append(_folded(current))
            current = []
    if current:
        found.append(_folded(current))
    return found


def _in_word(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char)[0] == "M" or unicodedata.category(char) == "Co"


def _folded(chars: list[str]) -> str:
    kept: list[str] = []
    base = ""
    for char in chars:
        if unicodedata.category(char) == "Mn":
            if base and _is_latin(base):
                continue  # an accent on a Latin letter
        else:
            base = char
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).lower()


def _is_latin(char: str) -> bool:
    code = ord(char)
    return any(low <= code < high for low, high in _LATIN)
