"""What the rooms read model answers: a user's room list, one room, unread counts, the badge.

The room list is one call: the user's entries by an index, then their rooms and activity by id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hubbub.projections.shapes import as_uuid, message_preview, uuid, uuids
from hubbub.projections.store import StoredVersion

from . import unread as terms
from .documents import ACTIVITY, MEMBERSHIPS, ROOMS, listed_members, membership_id


def rooms_of(view: StoredVersion, user_id: UUID) -> list[dict[str, Any]]:
    """Every room the user is in, most recently active first."""
    listed = [_listed(*found) for found in _entries_with_rooms(view, user_id)]
    return sorted(listed, key=_activity, reverse=True)


def room_sizes_of(view: StoredVersion, user_id: UUID) -> dict[UUID, int]:
    """Every room the user is in, with its member count: nothing else is shaped."""
    entries = view.find(MEMBERSHIPS, {"user_id": str(user_id), "member": True})
    rooms = view.load(ROOMS, [e["room_id"] for e in entries])
    return {UUID(room_id): len(doc["members"]) for room_id, doc in rooms.items()}


def _entries_with_rooms(view: StoredVersion, user_id: UUID) -> list[tuple[dict, dict, dict]]:
    entries = view.find(MEMBERSHIPS, {"user_id": str(user_id), "member": True})
    ids = [e["room_id"] for e in entries]
    rooms, activity = view.load(ROOMS, ids), view.load(ACTIVITY, ids)
    return [(e, rooms[e["room_id"]], activity[e["room_id"]]) for e in entries if e["room_id"] in rooms]


def _activity(listed: dict[str, Any]) -> int:
    last = listed["last_message"]
    return max(last["position"] if last else 0, listed["joined_position"])


def _listed(entry: dict[str, Any], room: dict[str, Any], activity: dict[str, Any]) -> dict[str, Any]:
    unread, mentions = terms.counts(entry, activity)
    members = listed_members(room)
    return {
        "room_id": as_uuid(entry["room_id"]), "kind": room["kind"], "name": room["name"], "topic": room["topic"],
        "private": room["private"], "role": entry["role"], "member_count": len(room["members"]),
        "members": None if members is None else [{"user_id": as_uuid(m["user_id"]), "role": m["role"]} for m in members],
        "joined_at": entry["joined_at"], "joined_position": entry["joined_position"], "muted": entry["muted"],
        "unread": unread, "mentions": mentions, "last_read_position": entry["last_read_position"],
        "last_message": message_preview(activity["last_message"]),
    }


def room(view: StoredVersion, room_id: UUID) -> dict[str, Any] | None:
    doc, activity = view.find_one(ROOMS, str(room_id)), view.find_one(ACTIVITY, str(room_id))
    if doc is None or activity is None:
        return None
    members = sorted(doc["members"].items(), key=lambda m: m[1]["joined_position"])
    return {
        "room_id": room_id, "kind": doc["kind"], "name": doc["name"], "topic": doc["topic"],
        "private": doc["private"], "created_at": doc["created_at"], "created_by": uuid(doc["created_by"]),
        "members": [{"user_id": as_uuid(u), "role": m["role"], "joined_at": m["joined_at"]} for u, m in members],
        "member_count": len(members), "pinned": uuids(doc["pinned"]),
        "message_count": activity["seq"] - activity["deleted"],
        "last_message": message_preview(activity["last_message"]),
    }


def unread(view: StoredVersion, user_id: UUID, room_id: UUID) -> dict[str, int]:
    entry = view.find_one(MEMBERSHIPS, membership_id(str(user_id), str(room_id)))
    doc = view.find_one(ACTIVITY, str(room_id))
    if entry is None or doc is None:
        return {"unread": 0, "mentions": 0, "last_read_position": 0}
    counted, mentions = terms.counts(entry, doc)
    return {"unread": counted, "mentions": mentions, "last_read_position": entry["last_read_position"]}


def badge(view: StoredVersion, user_id: UUID) -> dict[str, int]:
    """The user's totals over rooms they have not muted (muted rooms keep their own counts)."""
    heard = [terms.counts(e, a) for e, _, a in _entries_with_rooms(view, user_id) if not e["muted"]]
    return {"unread": sum(u for u, _ in heard), "mentions": sum(m for _, m in heard)}


def muted(view: StoredVersion, user_id: UUID, room_id: UUID) -> bool:
    entry = view.find_one(MEMBERSHIPS, membership_id(str(user_id), str(room_id)))
    return bool(entry and entry["muted"])
