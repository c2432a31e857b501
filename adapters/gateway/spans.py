"""Membership spans as the feed stores them ([first position, last position or None]): which
rooms' rows a replay reads, and which rooms a socket follows once it is live."""

from __future__ import annotations

Spans = dict[str, list[list]]  # room id -> [[first, last or None], ...]


def ranges(spans: Spans, after: int, upto: int) -> list[tuple[str, int, int]]:
    """(room, after, upto) position ranges, exclusive then inclusive, of rows the user may see.

    Joined at P: P is seen (member:joined includes them). Left at P: P is seen, nothing after it.
    """
    found = []
    for room_id, room_spans in spans.items():
        for first, last in room_spans:
            low, high = max(after, first - 1), upto if last is None else min(upto, last)
            if low < high:
                found.append((room_id, low, high))
    return found


def following(spans: Spans, position: int) -> set[str]:
    """The rooms whose events after `position` the user may see."""
    return {room_id for room_id, room_spans in spans.items()
            if any(first <= position and (last is None or last > position) for first, last in room_spans)}
