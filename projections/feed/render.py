"""The contract's server-to-client payloads, built from events and the feed's own state documents.

Everything here is JSON-ready (ids and times as strings): a feed row is sent as stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hubbub.projections.erasure import ERASED
from hubbub.projections.ids import sid


def at(moment: datetime) -> str:
    return moment.isoformat()


def as_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


def new_message(event: Any, position: int) -> dict[str, Any]:
    return {
        "message_id": sid(event.originator_id), "room_id": sid(event.room_id), "author_id": sid(event.author_id),
        "body": event.body, "thread_id": sid(event.thread_id) if event.thread_id else None,
        "mentions": [sid(m) for m in event.mentions], "reactions": [], "edited_at": None, "deleted": False,
        "created_at": at(event.timestamp), "position": position,
    }


def new_room(event: Any, position: int) -> dict[str, Any]:
    room = {
        "room_id": sid(event.originator_id), "kind": event.kind, "name": event.name, "topic": event.topic,
        "private": event.private, "created_at": at(event.timestamp), "members": [], "pinned": [],
        "position": position,
    }
    admit(room, [(sid(m["user_id"]), m["role"]) for m in event.members], event.timestamp)
    return room


def admit(room: dict[str, Any], members: list[tuple[str, str]], moment: datetime) -> None:
    present = {m["user_id"] for m in room["members"]}
    room["members"] = [*room["members"], *({"user_id": user_id, "role": role, "joined_at": at(moment)}
                                           for user_id, role in members if user_id not in present)]


def shown_message(state: dict[str, Any], position: int) -> dict[str, Any]:
    shown = {k: v for k, v in state.items() if k != "_id"}
    return {**shown, "reactions": dict(state["reactions"]) if state["reactions"] else {}, "position": position}


def with_reaction(pairs: list[list], emoji: str, user_id: str, added: bool) -> list[list]:
    """[emoji, [user ids]] pairs in order of first use, with user_id's reaction added or removed."""
    reactions = {e: [u for u in users if u != user_id] if e == emoji else users for e, users in pairs}
    if added:
        reactions[emoji] = [*reactions.get(emoji, []), user_id]
    return [[e, users] for e, users in reactions.items() if users]


def erase_body(message: dict[str, Any]) -> None:
    """A message state's text, erased (a deleted message has none left to erase)."""
    if message["body"] is not None:
        message["body"] = ERASED


def erase_row_body(row: dict[str, Any]) -> None:
    """The text of the message a message:new or message:edited row shows, erased."""
    payload = json.loads(row["payload"])
    erase_body(payload["message"])
    row["payload"] = as_json(payload)
