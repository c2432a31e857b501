"""Every command of hubbub, as data: what a transport submits to the CommandBus (application/bus.py).

Each command names what the actor wants; who the actor is travels beside it, in the
CommandContext. A command carries a raw password only until the bus has hashed or checked it,
before the command is queued for the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID


class Command:
    """Marker base: the bus finds a command's handler by its class."""

    __slots__ = ()


# Accounts and sessions.

@dataclass(frozen=True)
class Register(Command):
    username: str
    password: str
    display_name: str | None = None


@dataclass(frozen=True)
class StartSession(Command):
    """Sign in: the password is checked before the writer opens the session."""

    username: str
    password: str
    device_name: str | None = None


@dataclass(frozen=True)
class Refresh(Command):
    """Spend one refresh token (its session and token id) for the next."""

    session_id: UUID
    token_id: str


@dataclass(frozen=True)
class RevokeSession(Command):
    """Logout ("logout") or revoking one of the actor's own sessions ("revoked")."""

    session_id: UUID
    reason: str = "revoked"


@dataclass(frozen=True)
class ChangePassword(Command):
    """Checked against the current password; every other session of the account is revoked."""

    current_password: str
    new_password: str
    session_id: UUID | None = None  # the session that asked: the one kept


@dataclass(frozen=True)
class Promote(Command):
    username: str


@dataclass(frozen=True)
class UpdateNotificationPrefs(Command):
    changes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SetCategorySubscription(Command):
    category: str
    subscribed: bool


# Rooms and membership.

@dataclass(frozen=True)
class CreateRoom(Command):
    kind: str
    member_ids: list[UUID]
    name: str | None = None
    topic: str | None = None
    private: bool = False


@dataclass(frozen=True)
class AddMembers(Command):
    room_id: UUID
    user_ids: list[UUID]


@dataclass(frozen=True)
class RemoveMember(Command):
    room_id: UUID
    user_id: UUID


@dataclass(frozen=True)
class SetMuted(Command):
    room_id: UUID
    muted: bool


@dataclass(frozen=True)
class Pin(Command):
    room_id: UUID
    message_id: UUID


@dataclass(frozen=True)
class Unpin(Command):
    room_id: UUID
    message_id: UUID


# Messages and read markers.

@dataclass(frozen=True)
class SendMessage(Command):
    room_id: UUID
    body: str
    client_msg_id: str | None = None
    thread_id: UUID | None = None


@dataclass(frozen=True)
class EditMessage(Command):
    room_id: UUID
    message_id: UUID
    body: str


@dataclass(frozen=True)
class DeleteMessage(Command):
    room_id: UUID
    message_id: UUID


@dataclass(frozen=True)
class AddReaction(Command):
    room_id: UUID
    message_id: UUID
    emoji: str


@dataclass(frozen=True)
class RemoveReaction(Command):
    room_id: UUID
    message_id: UUID
    emoji: str


@dataclass(frozen=True)
class MarkRead(Command):
    room_id: UUID
    up_to_position: int


# The notification inbox.

@dataclass(frozen=True)
class MarkNotificationsRead(Command):
    notification_ids: list[UUID]


@dataclass(frozen=True)
class MarkAllNotificationsRead(Command):
    up_to_position: int | None = None


@dataclass(frozen=True)
class Broadcast(Command):
    category: str
    title: str
    body: str
    priority: str
