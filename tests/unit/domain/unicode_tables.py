"""Generates domain/grapheme_data.py, the Unicode properties grapheme segmentation needs, from the
Unicode data the pinned `regex` package ships (the domain may import only the standard library,
whose unicodedata has neither Grapheme_Cluster_Break nor Extended_Pictographic).

    .venv/bin/python -m tests.unit.domain.unicode_tables > domain/grapheme_data.py
"""

from __future__ import annotations

import regex

# Hangul LV and LVT syllables are computed from the code point; every other class is a table.
CLASSES = ("CR", "LF", "Control", "Extend", "ZWJ", "Regional_Indicator", "Prepend", "SpacingMark", "L", "V", "T")
INCB = ("Consonant", "Extend", "Linker")
_ALL = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def ranges(prop: str) -> list[tuple[int, int]]:
    return [(ord(m.group()[0]), ord(m.group()[-1])) for m in regex.finditer(rf"\p{{{prop}}}+", _ALL)]


def tables() -> dict[str, list[tuple[int, int, str]] | list[tuple[int, int]]]:
    gcb = sorted((lo, hi, name) for name in CLASSES for lo, hi in ranges(f"Grapheme_Cluster_Break={name}"))
    incb = sorted((lo, hi, name) for name in INCB for lo, hi in ranges(f"Indic_Conjunct_Break={name}"))
    return {"GRAPHEME_BREAK": gcb, "INDIC_CONJUNCT_BREAK": incb, "PICTOGRAPHIC": ranges("Extended_Pictographic")}


def module_text() -> str:
    lines = [
        '"""Unicode properties for grapheme segmentation (UAX #29): (first, last[, value]) code point ranges.',
        "",
        f"Generated from the data of regex {regex.__version__} by tests/unit/domain/unicode_tables.py; do not edit.",
        '"""',
        "",
    ]
    for name, rows in tables().items():
        lines.append(f"{name} = (")
        lines += ["    " + " ".join(f"{row!r}," for row in rows[at:at + 4]) for at in range(0, len(rows), 4)]
        lines.append(")")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(module_text(), end="")
