"""Feed rows by position (every room, for the live tail) or by room (for a replay), and the spans of
a user's memberships."""

from __future__ import annotations

from typing import Any

from hubbub.projections.store import StoredVersion

from .projector import EVENTS, MEMBERS

Row = tuple[int, str, str, str]  # (position, room_id, event, payload as JSON text)


def rows_after(view: StoredVersion, after: int, upto: int, limit: int) -> list[Row]:
    found = view.find(EVENTS, {"position": {"$gt": after, "$lte": upto}}, sort=[("position", 1)], limit=limit)
    return [_row(doc) for doc in found]


def room_rows(view: StoredVersion, room_id: str, after: int, upto: int, limit: int) -> list[Row]:
    where = {"room_id": room_id, "position": {"$gt": after, "$lte": upto}}
    return [_row(doc) for doc in view.find(EVENTS, where, sort=[("position", 1)], limit=limit)]


def room_count(view: StoredVersion, room_id: str, after: int, upto: int) -> int:
    return view.count(EVENTS, {"room_id": room_id, "position": {"$gt": after, "$lte": upto}})


def spans_of(view: StoredVersion, user_id: str) -> dict[str, list[list[Any]]]:
    """room id -> [[first position, last position or None (still a member)], ...]"""
    return {doc["room_id"]: doc["spans"] for doc in view.find(MEMBERS, {"user_id": user_id})}


def _row(doc: dict[str, Any]) -> Row:
    return doc["position"], doc["room_id"], doc["event"], doc["payload"]
