"""Room and membership events of the rooms projector: who is in, with which role, muted or not."""

from __future__ import annotations

from typing import Any

from hubbub.projections.runtime.batch import Batch

from . import unread
from .documents import ACTIVITY


class MembershipMixin:
    """Needs the projector's _room, _new_room and _entry."""

    def created(self, event: Any, position: int, batch: Batch) -> None:
        room_id, room = self._new_room(batch, event)
        for member in event.members:
            self._admit(batch, room_id, room, str(member["user_id"]), member["role"], event.timestamp, position)

    def joined(self, event: Any, position: int, batch: Batch) -> None:
        room_id, room = self._room(batch, event)
        for user_id in event.user_ids:
            self._admit(batch, room_id, room, str(user_id), "member", event.timestamp, position)

    def _admit(self, batch: Batch, room_id: str, room: dict, user_id: str, role: str, at: Any, position: int) -> None:
        room["members"][user_id] = {"role": role, "joined_at": at, "joined_position": position}
        # Counting starts at the join: earlier messages are history, not unread.
        self._entry(batch, user_id, room_id).update(
            member=True, role=role, joined_at=at, joined_position=position, muted=False,
            **unread.joined(batch.get(ACTIVITY, room_id), user_id),
        )

    def left(self, event: Any, position: int, batch: Batch) -> None:
        room_id, room = self._room(batch, event)
        user_id = str(event.user_id)
        room["members"].pop(user_id, None)
        # The entry stays (not listed) so that a rejoin keeps the read marker's position.
        self._entry(batch, user_id, room_id).update(member=False, muted=False)

    def ownership_transferred(self, event: Any, position: int, batch: Batch) -> None:
        room_id, room = self._room(batch, event)
        user_id = str(event.user_id)
        room["members"][user_id]["role"] = "owner"
        self._entry(batch, user_id, room_id)["role"] = "owner"

    def mute_changed(self, event: Any, position: int, batch: Batch) -> None:
        self._entry(batch, str(event.user_id), str(event.originator_id))["muted"] = event.muted

    def pinned(self, event: Any, position: int, batch: Batch) -> None:
        _, room = self._room(batch, event)
        room["pinned"] = [*room["pinned"], str(event.message_id)]

    def unpinned(self, event: Any, position: int, batch: Batch) -> None:
        _, room = self._room(batch, event)
        room["pinned"] = [p for p in room["pinned"] if p != str(event.message_id)]
