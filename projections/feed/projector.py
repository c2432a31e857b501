"""Folds every event a room's members may see into one feed row per (room, position), and each
member's spans of membership, so that a socket can be served live and replayed from any position."""

from __future__ import annotations

from typing import Any

from hubbub.projections import topics as t
from hubbub.projections.erasure import rewrite_each
from hubbub.projections.runtime.batch import Batch
from hubbub.projections.ids import sid
from hubbub.projections.projector import Projector
from hubbub.projections.store import CollectionSpec

from . import render

EVENTS = "events"  # {room_id, position, event, payload (the JSON text sent), author_id of a message's rows}
MEMBERS = "members"  # {room_id, user_id, spans: [[first position, last position or None], ...]}
MESSAGES = "messages"  # a message's state, reactions as [emoji, [user ids]] pairs (emoji are data, not keys)
ROOMS = "rooms"  # a room as room:updated shows it


def member_id(room_id: str, user_id: str) -> str:
    return f"{room_id}:{user_id}"


class FeedProjector(Projector):
    name = "feed"
    shape = "1"
    collections = (
        CollectionSpec(EVENTS, indexes=(("room_id", "position"), ("position",), ("author_id",))),
        CollectionSpec(MEMBERS, indexes=(("user_id",),)),
        CollectionSpec(MESSAGES, indexes=(("author_id",),)),
        CollectionSpec(ROOMS),
    )
    write_once = frozenset({EVENTS})
    handles = {
        t.ROOM_CREATED: "created", t.MEMBERS_JOINED: "joined", t.MEMBER_LEFT: "left",
        t.OWNERSHIP_TRANSFERRED: "ownership_transferred", t.MESSAGE_PINNED: "pinned",
        t.MESSAGE_UNPINNED: "unpinned",
        t.MESSAGE_SENT: "sent", t.MESSAGE_EDITED: "edited", t.MESSAGE_DELETED: "deleted",
        t.REACTION_ADDED: "reaction_added", t.REACTION_REMOVED: "reaction_removed",
        t.READ_MARKER_STARTED: "marker_moved", t.READ_MARKER_ADVANCED: "marker_moved",
        t.ERASURE_REQUESTED: "erased",
    }

    def wants(self, topic: str, event: Any) -> list[tuple[str, str]]:
        if topic in (t.MESSAGE_EDITED, t.MESSAGE_DELETED, t.REACTION_ADDED, t.REACTION_REMOVED):
            return [(MESSAGES, sid(event.originator_id))]
        if topic.startswith("hubbub.domain.room:"):
            return [(ROOMS, sid(event.originator_id))]
        return []

    @staticmethod
    def _row(batch: Batch, room_id: str, position: int, event: Any, name: str, fields: dict[str, Any],
             author_id: str | None = None) -> None:
        payload = {**fields, "room_id": room_id, "position": position, "at": render.at(event.timestamp)}
        row = {"_id": str(position), "room_id": room_id, "position": position, "event": name,
               "payload": render.as_json(payload)}
        # A row showing a message's text names its author, so an erasure finds it by index.
        batch.put(EVENTS, {**row, "author_id": author_id} if author_id else row)

    # Rooms and membership.

    def created(self, event: Any, position: int, batch: Batch) -> None:
        room = render.new_room(event, position)
        batch.put(ROOMS, {**room, "_id": room["room_id"]})
        for member in room["members"]:
            self._open_span(batch, room["room_id"], member["user_id"], position)
        self._row(batch, room["room_id"], position, event, "room:updated", {"room": room})

    def joined(self, event: Any, position: int, batch: Batch) -> None:
        room_id, user_ids = sid(event.originator_id), [sid(u) for u in event.user_ids]
        room = batch.edit(ROOMS, room_id)
        render.admit(room, [(u, "member") for u in user_ids], event.timestamp)
        room["position"] = position
        for user_id in user_ids:
            self._open_span(batch, room_id, user_id, position)
        self._row(batch, room_id, position, event, "member:joined", {"user_ids": user_ids})

    def left(self, event: Any, position: int, batch: Batch) -> None:
        room_id, user_id = sid(event.originator_id), sid(event.user_id)
        room = batch.edit(ROOMS, room_id)
        room["members"] = [m for m in room["members"] if m["user_id"] != user_id]
        room["position"] = position
        # The member still receives their own leaving (at P), nothing after it.
        member = batch.edit(MEMBERS, member_id(room_id, user_id))
        member["spans"] = [*member["spans"][:-1], [member["spans"][-1][0], position]]
        self._row(batch, room_id, position, event, "member:left", {"user_id": user_id})

    def ownership_transferred(self, event: Any, position: int, batch: Batch) -> None:
        user_id = sid(event.user_id)
        self._room_changed(event, position, batch, lambda room: room.update(members=[
            {**m, "role": "owner"} if m["user_id"] == user_id else m for m in room["members"]]))

    def pinned(self, event: Any, position: int, batch: Batch) -> None:
        message_id = sid(event.message_id)
        self._room_changed(event, position, batch, lambda room: room.update(pinned=[*room["pinned"], message_id]))

    def unpinned(self, event: Any, position: int, batch: Batch) -> None:
        message_id = sid(event.message_id)
        self._room_changed(event, position, batch, lambda room: room.update(
            pinned=[p for p in room["pinned"] if p != message_id]))

    def _room_changed(self, event: Any, position: int, batch: Batch, change) -> None:
        room = batch.edit(ROOMS, sid(event.originator_id))
        change(room)
        room["position"] = position
        shown = {k: v for k, v in room.items() if k != "_id"}
        self._row(batch, room["room_id"], position, event, "room:updated", {"room": shown})

    @staticmethod
    def _open_span(batch: Batch, room_id: str, user_id: str, position: int) -> None:
        member = batch.edit(MEMBERS, member_id(room_id, user_id),
                            lambda: {"room_id": room_id, "user_id": user_id, "spans": []})
        if not member["spans"] or member["spans"][-1][1] is not None:
            member["spans"] = [*member["spans"], [position, None]]

    # Messages, reactions and read receipts.

    def sent(self, event: Any, position: int, batch: Batch) -> None:
        message = render.new_message(event, position)
        batch.put(MESSAGES, {**message, "_id": message["message_id"]})
        self._row(batch, message["room_id"], position, event, "message:new",
                  {"message": render.shown_message(message, position)}, message["author_id"])

    def edited(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.edit(MESSAGES, sid(event.originator_id))
        message.update(body=event.body, mentions=[sid(m) for m in event.mentions],
                       edited_at=render.at(event.timestamp))
        # As over HTTP, an edited message comes with the edit's position.
        self._row(batch, message["room_id"], position, event, "message:edited",
                  {"message": render.shown_message(message, position)}, message["author_id"])

    def deleted(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.edit(MESSAGES, sid(event.originator_id))
        message.update(body=None, mentions=[], reactions=[], deleted=True)
        self._row(batch, message["room_id"], position, event, "message:deleted",
                  {"message_id": message["message_id"]})

    def reaction_added(self, event: Any, position: int, batch: Batch) -> None:
        self._reaction(event, position, batch, added=True)

    def reaction_removed(self, event: Any, position: int, batch: Batch) -> None:
        self._reaction(event, position, batch, added=False)

    def _reaction(self, event: Any, position: int, batch: Batch, added: bool) -> None:
        message = batch.edit(MESSAGES, sid(event.originator_id))
        user_id = sid(event.actor_id)
        message["reactions"] = render.with_reaction(message["reactions"], event.emoji, user_id, added)
        self._row(batch, message["room_id"], position, event, "reaction",
                  {"message_id": message["message_id"], "emoji": event.emoji, "user_id": user_id, "added": added})

    def marker_moved(self, event: Any, position: int, batch: Batch) -> None:
        user_id = sid(event.actor_id)
        self._row(batch, sid(event.room_id), position, event, "read:receipt",
                  {"user_id": user_id, "up_to_position": event.position})

    # Erasure: events folded from now on decode to "[erased]"; the rows and states folded before it
    # still hold the user's text.

    def erased(self, event: Any, position: int, batch: Batch) -> None:
        user_id = sid(event.user_id)
        rewrite_each(batch, (EVENTS, {"author_id": user_id}, render.erase_row_body),
                     (MESSAGES, {"author_id": user_id, "body": {"$ne": None}}, render.erase_body))
