"""Folds room, message and read-marker events into rooms, their activity, and member entries."""

from __future__ import annotations

from typing import Any

from hubbub.projections import topics as t
from hubbub.projections.runtime.batch import Batch
from hubbub.projections.ids import sid
from hubbub.projections.erasure import ERASED, rewrite
from hubbub.projections.projector import NeedsCommit, Projector
from hubbub.projections.store import CollectionSpec

from . import unread
from .documents import (ACTIVITY, MEMBERSHIPS, MESSAGE_INDEX, ROOMS, membership_id, new_activity, new_membership,
                        new_room, preview)
from .membership import MembershipMixin


class RoomsProjector(MembershipMixin, Projector):
    name = "rooms"
    shape = "1"
    collections = (
        CollectionSpec(ROOMS),
        CollectionSpec(ACTIVITY),
        CollectionSpec(MEMBERSHIPS, indexes=(("user_id",),)),
        CollectionSpec(MESSAGE_INDEX, indexes=(("room_id", "position"),)),
    )
    write_once = frozenset({MESSAGE_INDEX})
    handles = {
        t.ROOM_CREATED: "created", t.MEMBERS_JOINED: "joined", t.MEMBER_LEFT: "left",
        t.OWNERSHIP_TRANSFERRED: "ownership_transferred", t.MUTE_CHANGED: "mute_changed",
        t.MESSAGE_PINNED: "pinned", t.MESSAGE_UNPINNED: "unpinned",
        t.MESSAGE_SENT: "sent", t.MESSAGE_EDITED: "edited", t.MESSAGE_DELETED: "deleted",
        t.READ_MARKER_STARTED: "marker_moved", t.READ_MARKER_ADVANCED: "marker_moved",
        t.ERASURE_REQUESTED: "erased",
    }

    def __init__(self) -> None:
        super().__init__()
        # room -> (event, position) of its last message this batch: previewed once, at commit.
        self._last: dict[str, tuple[Any, int]] = {}

    def wants(self, topic: str, event: Any) -> list[tuple[str, str]]:
        if topic == t.ERASURE_REQUESTED:
            return []
        if topic in (t.MESSAGE_EDITED, t.MESSAGE_DELETED):
            return [(MESSAGE_INDEX, str(event.originator_id))]
        room_id = sid(getattr(event, "room_id", None) or event.originator_id)
        if topic == t.MESSAGE_SENT:
            return [(ACTIVITY, room_id), *((MEMBERSHIPS, membership_id(sid(u), room_id)) for u in event.mentions)]
        users = _users_named(topic, event)
        return [(ROOMS, room_id), (ACTIVITY, room_id), *((MEMBERSHIPS, membership_id(sid(u), room_id)) for u in users)]

    # Messages.

    def sent(self, event: Any, position: int, batch: Batch) -> None:
        room_id, author = sid(event.room_id), sid(event.author_id)
        mentions = [sid(m) for m in event.mentions] if event.mentions else []
        activity = batch.edit(ACTIVITY, room_id)
        batch.put(MESSAGE_INDEX, {"_id": str(event.originator_id), "room_id": room_id, "position": position,
                                  "author_id": author, "mentions": mentions, "deleted": False})
        activity["seq"] += 1
        sent_by = activity["sent_by"]
        sent_by[author] = sent_by.get(author, 0) + 1
        self._last[room_id] = (event, position)
        unread.remember(activity, [position, author, mentions, 0])
        for user_id in mentions:  # the domain keeps only members' mentions
            if user_id != author:
                self._entry(batch, user_id, room_id)["mentions"] += 1

    def edited(self, event: Any, position: int, batch: Batch) -> None:
        indexed = batch.get(MESSAGE_INDEX, str(event.originator_id))
        if indexed is None or indexed["deleted"]:
            return
        room_id = indexed["room_id"]
        activity = batch.edit(ACTIVITY, room_id)
        old, new = set(indexed["mentions"]), [sid(m) for m in event.mentions]
        for user_id in old.symmetric_difference(new):
            entry = self._counted_entry(batch, room_id, user_id, indexed)
            if entry is not None:
                entry["mentions"] += 1 if user_id in new else -1
        batch.edit(MESSAGE_INDEX, indexed["_id"])["mentions"] = new
        tailed = unread.in_tail(activity, indexed["position"])
        if tailed is not None:
            tailed[2] = new
        self._restyle_last(activity, indexed["_id"], body=event.body[:140], edited=True)

    def deleted(self, event: Any, position: int, batch: Batch) -> None:
        indexed = batch.get(MESSAGE_INDEX, str(event.originator_id))
        if indexed is None or indexed["deleted"]:
            return
        room_id = indexed["room_id"]
        activity = batch.edit(ACTIVITY, room_id)
        for user_id in batch.get(ROOMS, room_id)["members"]:
            entry = self._counted_entry(batch, room_id, user_id, indexed)
            if entry is not None:
                entry["deleted_after"] += 1
                entry["mentions"] -= user_id in indexed["mentions"]
        batch.edit(MESSAGE_INDEX, indexed["_id"])["deleted"] = True
        activity["deleted"] += 1
        tailed = unread.in_tail(activity, indexed["position"])
        if tailed is not None:
            tailed[3] = 1
        self._restyle_last(activity, indexed["_id"], body=None, deleted=True)

    def _counted_entry(self, batch: Batch, room_id: str, user_id: str, indexed: dict) -> dict | None:
        """The member's entry if this message is in their counts: not theirs, after their baseline."""
        if user_id == indexed["author_id"]:
            return None
        entry = batch.get(MEMBERSHIPS, membership_id(user_id, room_id))
        if entry is None or not entry["member"] or indexed["position"] <= unread.baseline(entry):
            return None
        return batch.edit(MEMBERSHIPS, entry["_id"])

    def _restyle_last(self, activity: dict, message_id: str, **changes: Any) -> None:
        self._preview_last(activity)
        last = activity["last_message"]
        if last and last["message_id"] == message_id:
            activity["last_message"] = {**last, **changes}

    def erased(self, event: Any, position: int, batch: Batch) -> None:
        def erase_preview(activity: dict) -> None:
            activity["last_message"] = {**activity["last_message"], "body": ERASED}

        rewrite(batch, ACTIVITY, {"last_message.author_id": sid(event.user_id), "last_message.body": {"$ne": None}},
                erase_preview)

    def _preview_last(self, activity: dict) -> None:
        pending = self._last.pop(activity["_id"], None)
        if pending is not None:
            activity["last_message"] = preview(*pending)

    def before_commit(self, batch: Batch) -> None:
        for room_id in list(self._last):
            self._preview_last(batch.edit(ACTIVITY, room_id))

    # Read markers.

    def marker_moved(self, event: Any, position: int, batch: Batch) -> None:
        room_id = sid(event.room_id)
        user_id = sid(getattr(event, "user_id", None) or event.actor_id)  # Advanced carries only the actor
        entry = batch.get(MEMBERSHIPS, membership_id(user_id, room_id))
        if entry is None:
            return
        read = max(entry["last_read_position"], event.position)
        terms = {}
        if entry["member"]:
            activity, base = batch.get(ACTIVITY, room_id), max(entry["joined_position"], read)
            terms = unread.from_tail(activity, user_id, base)
            if terms is None:
                if batch.dirty_count:
                    raise NeedsCommit()
                terms = unread.from_store(batch.store, activity, room_id, user_id, base)
        batch.edit(MEMBERSHIPS, entry["_id"]).update(last_read_position=read, **terms)

    def _entry(self, batch: Batch, user_id: str, room_id: str) -> dict:
        return batch.edit(MEMBERSHIPS, membership_id(user_id, room_id), new=lambda: new_membership(user_id, room_id))

    def _room(self, batch: Batch, event: Any) -> tuple[str, dict]:
        room_id = sid(event.originator_id)
        return room_id, batch.edit(ROOMS, room_id)

    def _new_room(self, batch: Batch, event: Any) -> tuple[str, dict]:
        room_id = sid(event.originator_id)
        batch.edit(ACTIVITY, room_id, new=new_activity)
        return room_id, batch.edit(ROOMS, room_id, new=lambda: new_room(event))


def _users_named(topic: str, event: Any) -> list:
    if topic == t.ROOM_CREATED:
        return [m["user_id"] for m in event.members]
    if topic == t.MEMBERS_JOINED:
        return event.user_ids
    if topic in (t.READ_MARKER_STARTED, t.READ_MARKER_ADVANCED):
        return [getattr(event, "user_id", None) or event.actor_id]
    user_id = getattr(event, "user_id", None)  # left, ownership, mute
    return [user_id] if user_id else []
