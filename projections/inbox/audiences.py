"""Who a broadcast reaches: every account, or the subscribers of its category.

One small document per (audience, user), plus each user's current categories: a sign-up or a
subscription writes one document whatever the number of accounts, and a broadcast reads its
audience from the store in pages of PAGE users, by user id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hubbub.projections.projector import NeedsCommit
from hubbub.projections.runtime.batch import Batch
from hubbub.projections.store import StoredVersion

MEMBERS = "audience_members"  # {_id: "<audience>|<user>", audience, user_id}
SUBSCRIBERS = "subscribers"  # per user: the categories they subscribe to now
EVERYONE = "all"
PAGE = 1_000


def category_audience(category: str) -> str:
    return f"category:{category}"


def audience_of(event: Any) -> str:
    return EVERYONE if event.priority == "transactional" else category_audience(event.category)


def registered(event: Any, batch: Batch) -> None:
    user_id = str(event.originator_id)
    _join(batch, EVERYONE, user_id)
    batch.put(SUBSCRIBERS, {"_id": user_id, "categories": []})


def preferences_changed(event: Any, batch: Batch) -> None:
    user_id = str(event.originator_id)
    subscriber = batch.edit(SUBSCRIBERS, user_id, new=lambda: {"categories": []})
    before, after = set(subscriber["categories"]), set(event.prefs["categories"])
    for category in after - before:
        _join(batch, category_audience(category), user_id)
    for category in before - after:
        batch.delete(MEMBERS, _member_id(category_audience(category), user_id))
    subscriber["categories"] = sorted(after)


def recipients(event: Any, batch: Batch) -> Iterator[list[str]]:
    """The broadcast's audience in pages, from committed documents (pending ones are committed first)."""
    if batch.dirty_count:
        raise NeedsCommit()
    yield from pages(batch.store, audience_of(event))


def pages(view: StoredVersion, audience: str, page: int = PAGE, after: str = "") -> Iterator[list[str]]:
    """The audience's user ids in order, `page` at a time, starting after the user id `after`."""
    while True:
        found = view.find(MEMBERS, {"audience": audience, "user_id": {"$gt": after}},
                          sort=[("user_id", 1)], limit=page)
        if not found:
            return
        yield [doc["user_id"] for doc in found]
        after = found[-1]["user_id"]


def _join(batch: Batch, audience: str, user_id: str) -> None:
    batch.put(MEMBERS, {"_id": _member_id(audience, user_id), "audience": audience, "user_id": user_id})


def _member_id(audience: str, user_id: str) -> str:
    return f"{audience}|{user_id}"
