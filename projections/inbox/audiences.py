"""Who a broadcast reaches: every account, or the subscribers of its category.

Kept as one document per audience ("all", "category:<name>") plus each user's current
categories, so an announcement fans out from a single read however many accounts exist.
"""

from __future__ import annotations

from typing import Any

from hubbub.projections.runtime.batch import Batch

AUDIENCES = "audiences"
SUBSCRIBERS = "subscribers"  # per user: the categories they subscribe to now
EVERYONE = "all"


def category_audience(category: str) -> str:
    return f"category:{category}"


def registered(event: Any, batch: Batch) -> None:
    user_id = str(event.originator_id)
    _join(batch, EVERYONE, [user_id])
    batch.put(SUBSCRIBERS, {"_id": user_id, "categories": []})


def preferences_changed(event: Any, batch: Batch) -> None:
    user_id = str(event.originator_id)
    subscriber = batch.edit(SUBSCRIBERS, user_id, new=lambda: {"categories": []})
    before, after = set(subscriber["categories"]), set(event.prefs["categories"])
    for category in after - before:
        _join(batch, category_audience(category), [user_id])
    for category in before - after:
        audience = batch.edit(AUDIENCES, category_audience(category), new=lambda: {"users": []})
        audience["users"] = [u for u in audience["users"] if u != user_id]
    subscriber["categories"] = sorted(after)


def recipients(event: Any, batch: Batch) -> list[str]:
    key = EVERYONE if event.priority == "transactional" else category_audience(event.category)
    audience = batch.get(AUDIENCES, key)
    return list(audience["users"]) if audience else []


def _join(batch: Batch, key: str, user_ids: list[str]) -> None:
    audience = batch.edit(AUDIENCES, key, new=lambda: {"users": []})
    audience["users"] = list(dict.fromkeys([*audience["users"], *user_ids]))
