"""A user's notifications, newest first, with whether each is read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hubbub.domain.errors import InvalidInput
from hubbub.projections.shapes import as_uuid, uuid
from hubbub.projections.store import StoredVersion

from .projector import NOTIFICATIONS, READERS


def notifications(view: StoredVersion, user_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
    """{items, next_cursor, unread}; pass next_cursor back as `cursor` for older items."""
    where: dict[str, Any] = {"user_id": str(user_id)}
    if cursor:
        where["position"] = {"$lt": _position(cursor)}
    found = view.find(NOTIFICATIONS, where, sort=[("position", -1)], limit=limit + 1)
    items, watermark = found[:limit], _read_up_to(view, user_id)
    return {
        "items": [_shaped(doc, watermark) for doc in items],
        "next_cursor": str(items[-1]["position"]) if len(found) > limit else None,
        "unread": unread_count(view, user_id),
    }


def notification(view: StoredVersion, user_id: UUID, notification_id: UUID) -> dict[str, Any] | None:
    doc = view.find_one(NOTIFICATIONS, str(notification_id))
    if doc is None or doc["user_id"] != str(user_id):
        return None
    return _shaped(doc, _read_up_to(view, user_id))


def unread_count(view: StoredVersion, user_id: UUID, up_to_position: int | None = None) -> int:
    """Unread notifications (those at or before `up_to_position`, when given): a read-all's `updated`."""
    bounds: dict[str, int] = {"$gt": _read_up_to(view, user_id)}
    if up_to_position is not None:
        bounds["$lte"] = up_to_position
    return view.count(NOTIFICATIONS, {"user_id": str(user_id), "position": bounds, "read": False})


def _read_up_to(view: StoredVersion, user_id: UUID) -> int:
    reader = view.find_one(READERS, str(user_id))
    return reader["read_all_up_to"] if reader else 0


def _position(cursor: str) -> int:
    if not cursor.isdigit():
        raise InvalidInput("cursor", "must be a next_cursor from a previous page")
    return int(cursor)


def _shaped(doc: dict[str, Any], read_up_to: int) -> dict[str, Any]:
    return {
        "id": as_uuid(doc["_id"]), "kind": doc["kind"], "reasons": doc["reasons"], "room_id": uuid(doc["room_id"]),
        "message_id": uuid(doc["message_id"]), "actor_id": uuid(doc["actor_id"]), "emoji": doc["emoji"],
        "preview": doc["preview"], "created_at": doc["created_at"], "position": doc["position"],
        "read": doc["read"] or doc["position"] <= read_up_to,
        "title": doc.get("title"), "category": doc.get("category"), "priority": doc.get("priority"),
    }
