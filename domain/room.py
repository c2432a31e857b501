"""A room: who is in it, with which role, and what it keeps (mutes, pins)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .errors import Forbidden, InvalidInput, NotFound
from .ids import dm_room_id
from .text import Kind, bounded_text, optional_text

KINDS = ("dm", "group", "channel")
MAX_NAME = 80
MAX_TOPIC = 250
MAX_MEMBERS = 10_000
MAX_MEMBERS_PER_CHANGE = 100
MAX_PINS = 50
MODERATOR_ROLES = ("owner", "admin")


class Room(Aggregate):
    @classmethod
    def open_dm(cls, creator_id: UUID, other_id: UUID) -> Room:
        if creator_id == other_id:
            raise InvalidInput("member_ids", "a DM needs exactly one other member")
        members = [{"user_id": creator_id, "role": "member"}, {"user_id": other_id, "role": "member"}]
        return cls(
            kind="dm", name=None, topic=None, private=True, members=members,
            actor_id=creator_id, id=dm_room_id(creator_id, other_id),
        )

    @classmethod
    def open_room(
        cls, kind: str, creator_id: UUID, name: str | None, topic: str | None,
        member_ids: list[UUID], private: bool, room_id: UUID,
    ) -> Room:
        if kind not in ("group", "channel"):
            raise InvalidInput("kind", 'must be "dm", "group" or "channel"')
        others = [m for m in dict.fromkeys(member_ids) if m != creator_id]
        _check_batch(others, current_size=1)
        members = [{"user_id": creator_id, "role": "owner"}] + [{"user_id": m, "role": "member"} for m in others]
        return cls(
            kind=kind, name=bounded_text("name", name or "", min_len=1, max_len=MAX_NAME, kind=Kind.NAME),
            topic=optional_text("topic", topic, max_len=MAX_TOPIC), private=private,
            members=members, actor_id=creator_id, id=room_id,
        )

    @event("Created")
    def __init__(
        self, kind: str, name: str | None, topic: str | None, private: bool,
        members: list[dict], actor_id: UUID, id: UUID,
    ):
        self.kind = kind
        self.name = name
        self.topic = topic
        self.private = private
        self.members: dict[str, dict] = {}
        self.muted_by: list[str] = []
        self.pinned: list[str] = []
        self._admit(members, self.created_on)

    def _admit(self, members: list[dict], at: datetime) -> None:
        for member in members:
            self.members[str(member["user_id"])] = {"role": member["role"], "joined_at": at}

    # Who may see and do what.

    def is_member(self, user_id: UUID) -> bool:
        return str(user_id) in self.members

    def role_of(self, user_id: UUID) -> str | None:
        member = self.members.get(str(user_id))
        return member["role"] if member else None

    def joined_at(self, user_id: UUID) -> datetime:
        return self.members[str(user_id)]["joined_at"]

    def is_moderator(self, user_id: UUID) -> bool:
        return self.role_of(user_id) in MODERATOR_ROLES

    def is_visible_to(self, user_id: UUID) -> bool:
        return self.is_member(user_id) or not self.private

    def ensure_member(self, user_id: UUID) -> None:
        """Members act; a visible room refuses outsiders, an invisible one does not exist for them."""
        if self.is_member(user_id):
            return
        if self.is_visible_to(user_id):
            raise NotAMember(self.id)
        raise RoomNotFound(self.id)

    def ensure_moderator(self, user_id: UUID) -> None:
        self.ensure_member(user_id)
        if not self.is_moderator(user_id):
            raise NotAModerator(self.id)

    # Membership.

    def add_members(self, user_ids: list[UUID], actor_id: UUID) -> list[UUID]:
        if self.kind == "dm":
            raise DirectMessageMembersFixed(self.id)
        new = [u for u in dict.fromkeys(user_ids) if not self.is_member(u)]
        self._ensure_may_add(new, actor_id)
        if not new:
            return []
        _check_batch(new, current_size=len(self.members))
        self.trigger_event(self.MembersJoined, user_ids=new, actor_id=actor_id)
        return new

    def _ensure_may_add(self, new: list[UUID], actor_id: UUID) -> None:
        joining_self = new == [actor_id]
        if joining_self and not self.private:
            return
        self.ensure_member(actor_id)
        if self.private and not self.is_moderator(actor_id):
            raise NotAModerator(self.id)

    class MembersJoined(Aggregate.Event):
        # An explicit class because joined_at is this event's own timestamp.
        user_ids: list[UUID]
        actor_id: UUID

        def apply(self, room: Room) -> None:
            room._admit([{"user_id": u, "role": "member"} for u in self.user_ids], self.timestamp)

    def remove_member(self, user_id: UUID, actor_id: UUID) -> bool:
        if self.kind == "dm":
            raise DirectMessageMembersFixed(self.id)
        self.ensure_member(actor_id)
        if not self.is_member(user_id):
            return False
        if user_id != actor_id:
            self._ensure_outranks(actor_id, user_id)
        self._member_left(user_id=user_id, actor_id=actor_id)
        if self.members and not self._has_owner():
            self._ownership_transferred(user_id=self._successor(), actor_id=actor_id)
        return True

    def _ensure_outranks(self, actor_id: UUID, target_id: UUID) -> None:
        actor_role, target_role = self.role_of(actor_id), self.role_of(target_id)
        if actor_role == "owner" or (actor_role == "admin" and target_role == "member"):
            return
        raise NotAModerator(self.id)

    def _has_owner(self) -> bool:
        return any(m["role"] == "owner" for m in self.members.values())

    def _successor(self) -> UUID:
        by_seniority = sorted(
            self.members.items(), key=lambda item: (item[1]["role"] != "admin", item[1]["joined_at"])
        )
        return UUID(by_seniority[0][0])

    @event("MemberLeft")
    def _member_left(self, user_id: UUID, actor_id: UUID) -> None:
        self.members.pop(str(user_id), None)
        self.muted_by = [u for u in self.muted_by if u != str(user_id)]

    @event("OwnershipTransferred")
    def _ownership_transferred(self, user_id: UUID, actor_id: UUID) -> None:
        self.members[str(user_id)]["role"] = "owner"

    # Per-member settings and shared pins.

    def is_muted_by(self, user_id: UUID) -> bool:
        return str(user_id) in self.muted_by

    def set_muted(self, user_id: UUID, muted: bool) -> bool:
        self.ensure_member(user_id)
        if self.is_muted_by(user_id) == muted:
            return False
        self._mute_changed(user_id=user_id, muted=muted, actor_id=user_id)
        return True

    @event("MuteChanged")
    def _mute_changed(self, user_id: UUID, muted: bool, actor_id: UUID) -> None:
        others = [u for u in self.muted_by if u != str(user_id)]
        self.muted_by = [*others, str(user_id)] if muted else others

    def pin(self, message_id: UUID, actor_id: UUID) -> bool:
        self.ensure_member(actor_id)
        if str(message_id) in self.pinned:
            return False
        if len(self.pinned) >= MAX_PINS:
            raise TooManyPins(self.id)
        self._pinned(message_id=message_id, actor_id=actor_id)
        return True

    @event("MessagePinned")
    def _pinned(self, message_id: UUID, actor_id: UUID) -> None:
        self.pinned = [*self.pinned, str(message_id)]

    def unpin(self, message_id: UUID, actor_id: UUID) -> bool:
        self.ensure_member(actor_id)
        if str(message_id) not in self.pinned:
            return False
        self._unpinned(message_id=message_id, actor_id=actor_id)
        return True

    @event("MessageUnpinned")
    def _unpinned(self, message_id: UUID, actor_id: UUID) -> None:
        self.pinned = [p for p in self.pinned if p != str(message_id)]


def _check_batch(user_ids: list[UUID], current_size: int) -> None:
    if len(user_ids) > MAX_MEMBERS_PER_CHANGE:
        raise InvalidInput("user_ids", f"at most {MAX_MEMBERS_PER_CHANGE} members at a time")
    if current_size + len(user_ids) > MAX_MEMBERS:
        raise InvalidInput("user_ids", f"a room holds at most {MAX_MEMBERS} members")


class RoomNotFound(NotFound):
    def __init__(self, room_id: UUID):
        super().__init__(f"room {room_id} not found")


class NotAMember(Forbidden):
    def __init__(self, room_id: UUID):
        super().__init__(f"only members of room {room_id} may do this")


class NotAModerator(Forbidden):
    def __init__(self, room_id: UUID):
        super().__init__(f"only the owner or an admin of room {room_id} may do this")


class DirectMessageMembersFixed(Forbidden):
    def __init__(self, room_id: UUID):
        super().__init__(f"room {room_id} is a DM: its two members are fixed")


class TooManyPins(Forbidden):
    def __init__(self, room_id: UUID):
        super().__init__(f"room {room_id} already has {MAX_PINS} pinned messages")
