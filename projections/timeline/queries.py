"""Pages of a room's timeline around a position, one message, and a thread's replies."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hubbub.projections.shapes import as_uuid, uuid, uuids
from hubbub.projections.store import StoredVersion

from .projector import MESSAGES


def page(view: StoredVersion, room_id: UUID, before: int | None, after: int | None, limit: int) -> dict[str, Any]:
    """Items in position order. prev_cursor is the `before` for older items, next_cursor the
    `after` for newer ones; each is None when there is nothing there (yet)."""
    return _page(view, {"room_id": str(room_id)}, before, after, limit)


def thread(view: StoredVersion, message_id: UUID, after: int | None, limit: int) -> dict[str, Any]:
    """The replies to a message, oldest first, paged forward."""
    return _page(view, {"thread_id": str(message_id)}, None, after or 0, limit)


def _page(view: StoredVersion, scope: dict, before: int | None, after: int | None, limit: int) -> dict[str, Any]:
    newest_first = after is None
    bounds = {**({"$lt": before} if before is not None else {}), **({"$gt": after} if after is not None else {})}
    where = {**scope, "position": bounds} if bounds else scope
    found = view.find(MESSAGES, where, sort=[("position", -1 if newest_first else 1)], limit=limit + 1)
    more, items = len(found) > limit, found[:limit]
    if newest_first:
        items.reverse()
    if not items:
        return {"items": [], "prev_cursor": None, "next_cursor": None}
    older = more if newest_first else _exists(view, scope, {"$lt": items[0]["position"]})
    newer = _exists(view, scope, {"$gt": items[-1]["position"]}) if newest_first else more
    return {
        "items": [shaped(doc) for doc in items],
        "prev_cursor": items[0]["position"] if older else None,
        "next_cursor": items[-1]["position"] if newer else None,
    }


def _exists(view: StoredVersion, scope: dict, bound: dict) -> bool:
    return bool(view.find(MESSAGES, {**scope, "position": bound}, sort=[("position", 1)], limit=1))


def message(view: StoredVersion, message_id: UUID) -> dict[str, Any] | None:
    doc = view.find_one(MESSAGES, str(message_id))
    return shaped(doc) if doc else None


def shaped(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": as_uuid(doc["_id"]), "room_id": as_uuid(doc["room_id"]), "author_id": as_uuid(doc["author_id"]),
        "body": doc["body"], "thread_id": uuid(doc["thread_id"]), "mentions": uuids(doc["mentions"]),
        "reactions": {emoji: uuids(users) for emoji, users in doc["reactions"]},
        "edited_at": doc["edited_at"], "deleted": doc["deleted"], "created_at": doc["created_at"],
        "position": doc["position"], "reply_count": doc["reply_count"], "last_reply_at": doc["last_reply_at"],
        "client_msg_id": doc.get("client_msg_id"),
    }
