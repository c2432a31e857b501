"""The replay's reading plan: spans to ranges, the rooms a socket follows, and the page-by-page merge
of several rooms' rows, which must give each visible row once, in position order (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hubbub.adapters.gateway import replay
from hubbub.adapters.gateway.spans import following, ranges


def test_a_span_includes_its_joining_and_its_leaving():
    spans = {"r": [[5, 9], [12, None]]}
    assert ranges(spans, 0, 20) == [("r", 4, 9), ("r", 11, 20)]
    assert ranges(spans, 9, 11) == []
    assert ranges(spans, 6, 8) == [("r", 6, 8)]


def test_following_is_membership_after_a_position():
    spans = {"a": [[5, 9]], "b": [[3, None]], "c": [[10, None]]}
    assert following(spans, 8) == {"a", "b"}
    assert following(spans, 9) == {"b"}  # left at 9: nothing after it
    assert following(spans, 10) == {"b", "c"}


class FakeFeed:
    """Rows by room; feed_of_room answers pages as the read model does."""

    def __init__(self, rows: dict[str, list[int]]):
        self.rows = rows
        self.reads = 0

    def feed_of_room(self, room_id, after, upto, limit):
        self.reads += 1
        found = [p for p in self.rows.get(room_id, []) if after < p <= upto][:limit]
        return [(p, room_id, "message:new", "{}") for p in found]


@st.composite
def feeds(draw):
    positions = draw(st.permutations(range(1, draw(st.integers(1, 120)) + 1)))
    rooms = draw(st.lists(st.sampled_from("abcd"), min_size=len(positions), max_size=len(positions)))
    rows: dict[str, list[int]] = {}
    for position, room in zip(positions, rooms):
        rows.setdefault(room, []).append(position)
    spans = {room: sorted(draw(st.lists(st.integers(1, 130), min_size=2, max_size=4, unique=True)))
             for room in rows}
    shaped = {room: [[s[i], s[i + 1] if i + 1 < len(s) else None] for i in range(0, len(s), 2)]
              for room, s in spans.items()}
    return {room: sorted(ps) for room, ps in rows.items()}, shaped


@settings(max_examples=200, deadline=None)
@given(feeds(), st.integers(0, 60), st.integers(1, 7))
def test_pages_merge_every_visible_row_once_in_order(feed_and_spans, since, page):
    rows, spans = feed_and_spans
    feed = FakeFeed(rows)
    upto = 130
    cursors = [[room, low, high] for room, low, high in ranges(spans, since, upto)]
    original, replay.PAGE = replay.PAGE, page
    try:
        got = []
        while any(after < high for _, after, high in cursors):
            got += [row[0] for row in replay._page(feed, cursors)]
    finally:
        replay.PAGE = original
    visible = sorted(p for room, ps in rows.items() for p in ps for first, last in spans[room]
                     if p > since and first <= p and (last is None or p <= last))
    assert got == visible
