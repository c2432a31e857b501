"""Ids as the read models store them (strings), converted once for the ids that keep coming back."""

from __future__ import annotations

from uuid import UUID

_MEMO: dict[int, str] = {}
MEMO_LIMIT = 100_000


def sid(value: UUID) -> str:
    """str(value), remembered: rooms and users recur in most events, and str(UUID) is not cheap.
    Keyed by the UUID's int, whose hash is computed in C (UUID.__hash__ is Python code)."""
    key = value.int
    text = _MEMO.get(key)
    if text is None:
        if len(_MEMO) >= MEMO_LIMIT:
            _MEMO.clear()
        text = _MEMO[key] = str(value)
    return text
