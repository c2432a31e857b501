"""Grapheme segmentation agrees with an independent implementation of UAX #29 (pyuegc); the
tables match the Unicode data the pinned `regex` ships.
(regex's own \\X joins a virama to a following consonant with no consonant before it, which
rule GB9c does not, so it is not the reference for segmentation.)"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pyuegc import EGC

from hubbub.domain import grapheme_data
from hubbub.domain.graphemes import clusters
from tests.unit.domain.unicode_tables import tables

ONE_EACH = [
    "👍", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🧑🏿\u200d🚀", "🏳️\u200d🌈", "🇫🇷", "🇺🇳", "#️⃣", "1️⃣", "❤️", "☺︎",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland: a tag sequence
    "👩🏽\u200d❤️\u200d💋\u200d👨🏿", "é", "e\u0301", "각", "\u1100\u1161\u11a8", "क्ष", "ক্\u200dষ", "a", "\r\n",
]
SEVERAL = ["🇫🇷🇩🇪", "🇫🇷🇩", "👍👍", "ab", "a\u200db", "<script>", "👍 ", "\n\r"]


def test_one_grapheme_each():
    for text in ONE_EACH:
        assert clusters(text) == [text], text


def test_several_graphemes():
    for text in SEVERAL:
        assert clusters(text) == EGC(text) and len(clusters(text)) > 1, text


# Characters from the classes the rules distinguish, so that random strings exercise every rule.
RULE_CHARS = (
    "aé\r\n\t\u0301\u0903\u0600\u200d\u200c\ufe0f\ufe0e\U0001f3fb\U0001f3ff\U0001f1e6\U0001f1eb\U0001f1f7"
    "\U0001f468\U0001f469\u2764\u00a9\u0023\u20e3\u1100\u1161\u11a8\uac00\uac01\u0915\u094d\u0937\u09cd"
    "\U000e0067\U000e007f\U0001f3f4\u0e33\u0020"
)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(RULE_CHARS), max_size=12) | st.text(max_size=8))
def test_segmentation_matches_the_reference(text):
    assert clusters(text) == EGC(text)


def test_the_tables_are_what_the_pinned_reference_data_says():
    for name, rows in tables().items():
        assert list(getattr(grapheme_data, name)) == rows, name
