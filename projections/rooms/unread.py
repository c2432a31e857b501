"""Unread and mention counts: what they mean, and how they are kept without touching every
member's entry on every message.

unread(u, r)   = live messages of r after u's baseline that u did not write
mentions(u, r) = those of them that mention u
baseline(u, r) = max(position where u joined r, u's read marker)

The room's activity counts every message it has had (seq) and each author's (sent_by); a
member's entry keeps, as of its baseline,
    base_seq       messages at or before the baseline
    own_base       the member's own messages at or before it
and, since then,
    deleted_after  others' messages after the baseline that were deleted
    mentions       live messages after it, by others, that mention the member
so unread = (seq - base_seq) - (sent_by[u] - own_base) - deleted_after. A send writes the
activity (and the entries it mentions); a delete or an edit of mentions adjusts the members
whose baseline is before the message. A read marker recomputes the terms from the tail: the
last TAIL messages (deleted ones flagged), which hold every message after `tail_floor`. A marker
older than that (rare: clients read up to the end) is recomputed from the committed index.
"""

from __future__ import annotations

from typing import Any

from hubbub.projections.store import StoredVersion

from .documents import MESSAGE_INDEX

TAIL = 48
# A tail entry: [position, author_id, mentioned user ids, deleted (0 or 1)]


def baseline(entry: dict[str, Any]) -> int:
    return max(entry["joined_position"], entry["last_read_position"])


def counts(entry: dict[str, Any], activity: dict[str, Any]) -> tuple[int, int]:
    """(unread, mentions) of a member's entry, given its room's activity."""
    if not entry["member"]:
        return 0, 0
    own_after = activity["sent_by"].get(entry["user_id"], 0) - entry["own_base"]
    return activity["seq"] - entry["base_seq"] - own_after - entry["deleted_after"], entry["mentions"]


def remember(activity: dict[str, Any], entry: list) -> None:
    tail = activity["tail"]
    tail.append(entry)
    if len(tail) > TAIL:
        activity["tail_floor"] = tail.pop(0)[0]


def in_tail(activity: dict[str, Any], position: int) -> list | None:
    if position <= activity["tail_floor"]:
        return None
    return next((e for e in reversed(activity["tail"]) if e[0] == position), None)


def joined(activity: dict[str, Any], user_id: str) -> dict[str, int]:
    """The terms of someone joining now: everything so far is before their baseline."""
    return {"base_seq": activity["seq"], "own_base": activity["sent_by"].get(user_id, 0),
            "deleted_after": 0, "mentions": 0}


def from_tail(activity: dict[str, Any], user_id: str, base: int) -> dict[str, int] | None:
    if base < activity["tail_floor"]:
        return None
    tail = activity["tail"]
    start = len(tail)
    while start and tail[start - 1][0] > base:  # markers are mostly near the end: walk back to them
        start -= 1
    return _terms(activity, tail[start:], user_id)


def from_store(store: StoredVersion, activity: dict[str, Any], room_id: str, user_id: str, base: int) -> dict[str, int]:
    """The same terms over the committed index: only valid with nothing pending in the batch."""
    after = store.find(MESSAGE_INDEX, {"room_id": room_id, "position": {"$gt": base}})
    return _terms(activity, ((d["position"], d["author_id"], d["mentions"], d["deleted"]) for d in after), user_id)


def _terms(activity: dict[str, Any], after, user_id: str) -> dict[str, int]:
    total = own = deleted = mentions = 0
    for _, author, mentioned, was_deleted in after:
        total += 1
        if author == user_id:
            own += 1
        elif was_deleted:
            deleted += 1
        elif user_id in mentioned:
            mentions += 1
    return {"base_seq": activity["seq"] - total, "own_base": activity["sent_by"].get(user_id, 0) - own,
            "deleted_after": deleted, "mentions": mentions}
