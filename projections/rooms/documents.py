"""The documents of the rooms read model.

A member's entry holds what changes for that member alone (role, mute, read marker, and the
terms of their counts); the room holds what changes rarely (name, members, pins); its activity
what every message changes (last message, message counts, the unread tail). A message thus
rewrites one small activity document per room per batch, not every member's entry: the room
list joins the three when it is read (see unread.py for the counts).
"""

from __future__ import annotations

from typing import Any

ROOMS = "rooms"  # one per room: fields, members with roles, pins
ACTIVITY = "activity"  # one per room: last message, message counts, per-author counts, unread tail
MEMBERSHIPS = "memberships"  # one per (user, room): role, mute, marker, count terms
MESSAGE_INDEX = "message_index"  # one per message: what a later edit, delete or recount needs

MEMBERS_IN_LIST = 25  # rooms up to this size list their members in the room list
PREVIEW_CHARS = 140
ROLE_ORDER = {"owner": 0, "admin": 1, "member": 2}


def membership_id(user_id: str, room_id: str) -> str:
    return f"{user_id}:{room_id}"


def new_room(event: Any) -> dict[str, Any]:
    return {
        "kind": event.kind, "name": event.name, "topic": event.topic, "private": event.private,
        "created_at": event.timestamp, "created_by": str(event.actor_id), "members": {}, "pinned": [],
    }


def new_activity() -> dict[str, Any]:
    return {"last_message": None, "seq": 0, "deleted": 0, "sent_by": {}, "tail": [], "tail_floor": 0}


def new_membership(user_id: str, room_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id, "room_id": room_id, "member": False, "role": "member", "joined_at": None,
        "joined_position": 0, "last_read_position": 0, "muted": False,
        "base_seq": 0, "own_base": 0, "deleted_after": 0, "mentions": 0,
    }


def preview(event: Any, position: int) -> dict[str, Any]:
    return {
        "message_id": str(event.originator_id), "author_id": str(event.author_id),
        "body": event.body[:PREVIEW_CHARS], "thread_id": str(event.thread_id) if event.thread_id else None,
        "created_at": event.timestamp, "position": position, "edited": False, "deleted": False,
    }


def listed_members(room: dict[str, Any]) -> list[dict[str, str]] | None:
    """Small rooms' members, owner and admins first; None for larger rooms (see room())."""
    members = room["members"]
    if len(members) > MEMBERS_IN_LIST:
        return None
    ranked = sorted(members.items(), key=lambda m: (ROLE_ORDER.get(m[1]["role"], 9), m[1]["joined_position"], m[0]))
    return [{"user_id": uid, "role": m["role"]} for uid, m in ranked]
