"""Extended grapheme clusters (Unicode UAX #29): what a reader takes for one character, such as
an emoji with its skin tone, a ZWJ family, a flag, a keycap or a letter with its accents."""

from __future__ import annotations

from bisect import bisect_right

from .grapheme_data import GRAPHEME_BREAK, INDIC_CONJUNCT_BREAK, PICTOGRAPHIC

_HANGUL_FIRST, _HANGUL_COUNT, _TRAILS = 0xAC00, 11_172, 28
_CONTROLS = frozenset({"CR", "LF", "Control"})
_BREAK_STARTS = [row[0] for row in GRAPHEME_BREAK]
_CONJUNCT_STARTS = [row[0] for row in INDIC_CONJUNCT_BREAK]
_PICTOGRAPHIC_STARTS = [row[0] for row in PICTOGRAPHIC]


def _in_table(starts: list[int], table: tuple, code: int) -> tuple | None:
    at = bisect_right(starts, code) - 1
    return table[at] if at >= 0 and code <= table[at][1] else None


def break_class(char: str) -> str:
    code = ord(char)
    if _HANGUL_FIRST <= code < _HANGUL_FIRST + _HANGUL_COUNT:
        return "LV" if (code - _HANGUL_FIRST) % _TRAILS == 0 else "LVT"
    row = _in_table(_BREAK_STARTS, GRAPHEME_BREAK, code)
    return row[2] if row else "Other"


def _conjunct_class(char: str) -> str | None:
    row = _in_table(_CONJUNCT_STARTS, INDIC_CONJUNCT_BREAK, ord(char))
    return row[2] if row else None


def _pictographic(char: str) -> bool:
    return _in_table(_PICTOGRAPHIC_STARTS, PICTOGRAPHIC, ord(char)) is not None


class _Context:
    """What the rules that look further back than one character need to know (GB9c, GB11, GB12/13)."""

    def __init__(self) -> None:
        self.emoji: str | None = None  # "pict": ExtPict Extend*; "zwj": ExtPict Extend* ZWJ
        self.regional = 0  # regional indicators in a row, ending here
        self.conjunct: str | None = None  # "consonant", or "linked" once a linker followed it

    def advance(self, char: str, kind: str) -> None:
        if _pictographic(char):
            self.emoji = "pict"
        elif self.emoji == "pict" and kind in ("Extend", "ZWJ"):
            self.emoji = "pict" if kind == "Extend" else "zwj"
        else:
            self.emoji = None
        self.regional = self.regional + 1 if kind == "Regional_Indicator" else 0
        conjunct = _conjunct_class(char)
        if conjunct == "Consonant":
            self.conjunct = "consonant"
        elif self.conjunct and conjunct in ("Extend", "Linker"):
            self.conjunct = "linked" if conjunct == "Linker" else self.conjunct
        else:
            self.conjunct = None


def _joins(before: str, after: str, char: str, context: _Context) -> bool:
    """No break between a character of class `before` and `char` (class `after`)?"""
    if before == "CR" and after == "LF":  # GB3
        return True
    if before in _CONTROLS or after in _CONTROLS:  # GB4, GB5
        return False
    if (before == "L" and after in ("L", "V", "LV", "LVT")) or (before in ("LV", "V") and after in ("V", "T")):
        return True  # GB6, GB7
    if before in ("LVT", "T") and after == "T":  # GB8
        return True
    if after in ("Extend", "ZWJ", "SpacingMark") or before == "Prepend":  # GB9, GB9a, GB9b
        return True
    if context.conjunct == "linked" and _conjunct_class(char) == "Consonant":  # GB9c
        return True
    if before == "ZWJ" and context.emoji == "zwj" and _pictographic(char):  # GB11
        return True
    return before == after == "Regional_Indicator" and context.regional % 2 == 1  # GB12, GB13


def clusters(text: str) -> list[str]:
    found, start, context, before = [], 0, _Context(), ""
    for at, char in enumerate(text):
        kind = break_class(char)
        if at and not _joins(before, kind, char, context):
            found.append(text[start:at])
            start = at
        context.advance(char, kind)
        before = kind
    return found + [text[start:]] if text else found
