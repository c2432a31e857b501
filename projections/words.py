"""The words of a text, as full-text search matches them: one tokenizer for every read store.

It is SQLite's unicode61 tokenizer with remove_diacritics 2 (what the embedded store's FTS5
index used on its own), written out so that the MongoDB store can index the same words: a word
is a run of letters, digits and private-use characters; the accents of Latin letters are
removed (é, è, ê → e; a decomposed accent as well); any other mark, and everything else (the
apostrophe and the underscore included), separates words; words are lower-cased. Both read
stores index and query these words, so they give the same answers.
"""

from __future__ import annotations

import unicodedata

# The combining accents unicode61 removes (it keeps every other mark out of words).
ACCENTS = frozenset(map(chr, [*range(0x300, 0x305), *range(0x306, 0x30D), 0x30F, 0x311, 0x31B, *range(0x323, 0x329),
                              0x32D, 0x32E, 0x330, 0x331]))
_LATIN = ((0x0041, 0x0250), (0x1E00, 0x1F00))  # Basic Latin to Latin Extended-B, Latin Extended Additional
_FOLDED = str.maketrans({"ſ": "s", "µ": "μ"})  # lower() keeps these; unicode61 folds them


def words(text: str) -> list[str]:
    found, current = [], []
    for char in text or "":
        if char in ACCENTS:
            continue
        if char.isalnum() or unicodedata.category(char) == "Co":
            current.append(_unaccented(char))
        elif current:
            found.append("".join(current).lower().translate(_FOLDED))
            current = []
    if current:
        found.append("".join(current).lower().translate(_FOLDED))
    return found


def _unaccented(char: str) -> str:
    """A Latin letter without its accents (é → e); any other character as it is."""
    if ord(char) < 0xC0:
        return char
    base, *marks = unicodedata.normalize("NFD", char)
    if marks and _is_latin(base) and all(mark in ACCENTS for mark in marks):
        return base
    return char


def _is_latin(char: str) -> bool:
    code = ord(char)
    return any(low <= code < high for low, high in _LATIN)
