"""The one tokenizer of full-text search (projections/words.py) against SQLite's FTS5.

Both read stores search the words `words()` gives: MongoDB stores them in an indexed array, the
embedded store feeds them to an FTS5 index whose tokenizer must give them back unchanged, or the
two stores would answer differently. On Latin text they are also the words FTS5 finds by itself
(what the embedded store indexed before the two stores shared a tokenizer).
"""

from __future__ import annotations

import sqlite3
import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubbub.adapters.readstore.sqlite_schema import TOKENIZER
from hubbub.projections.words import words


@pytest.fixture(scope="module")
def fts5() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    return conn


def tokens(conn: sqlite3.Connection, text: str) -> list[str]:
    conn.execute("DELETE FROM t")
    conn.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (text,))
    return [term for (term,) in conn.execute("SELECT term FROM v ORDER BY offset")]


LATIN = st.text(st.sampled_from(string.printable + "àâäçéèêëîïôöùûüÿñæœÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÑÆŒøØåÅłŁšŠžŽ’«»\u0301\u0308"))
# Letters, digits, marks, punctuation, symbols and spaces up to the CJK ideographs, as far as
# Unicode has not changed them since 3.2 (SQLite's tables are Unicode 6.1; Python's are newer).
SCRIPTS = st.text(st.characters(max_codepoint=0x9FFF, categories=("L", "N", "M", "P", "S", "Zs")).filter(
    lambda c: unicodedata.ucd_3_2_0.category(c) == unicodedata.category(c)))


@settings(max_examples=300, deadline=None)
@given(SCRIPTS)
def test_fts5_gives_back_exactly_the_words_it_is_fed(fts5: sqlite3.Connection, text: str) -> None:
    found = words(text)
    assert tokens(fts5, " ".join(found)) == found


@settings(max_examples=300, deadline=None)
@given(LATIN)
def test_on_latin_text_the_words_are_the_ones_fts5_finds_itself(fts5: sqlite3.Connection, text: str) -> None:
    assert words(text) == tokens(fts5, text)


@pytest.mark.parametrize(("text", "expected"), [
    ("my cat ate a hotdog", ["my", "cat", "ate", "a", "hotdog"]),
    ("Don't", ["don", "t"]),
    ("hot_dog", ["hot", "dog"]),
    ("Crème BRÛLÉE", ["creme", "brulee"]),
    ("cafe\u0301", ["cafe"]),  # a decomposed accent
    ("がっこう", ["がっこう"]),  # a precomposed voiced kana keeps its mark
    ("Ёлка ΆΈ", ["ёлка", "άέ"]),  # accents of other scripts are kept, as FTS5 keeps them
    ("日本語テキスト", ["日本語テキスト"]),
])
def test_examples(text: str, expected: list[str]) -> None:
    assert words(text) == expected
