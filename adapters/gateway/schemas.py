"""The socket events' payloads as msgspec structs: what commands are validated against, and what
/schema/asyncapi.json is generated from."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from hubbub.adapters.http.schemas.common import Body, ClientKey, Emoji, Position
from hubbub.adapters.http.schemas.messages import Message
from hubbub.adapters.http.schemas.rooms import Room

MAX_PAYLOAD_BYTES = 64 * 1024


# Client to server.

class Auth(msgspec.Struct):
    """The connect handshake's `auth`."""

    token: str
    since: Position | None = None


class SendMessage(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    body: Body
    client_msg_id: ClientKey
    thread_id: UUID | None = None


class DeleteMessage(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    message_id: UUID


class EditMessage(DeleteMessage):
    body: Body


class Reaction(DeleteMessage):
    emoji: Emoji


class MarkRead(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    up_to_position: Position


class Sync(msgspec.Struct, forbid_unknown_fields=True):
    since: Position


class Typing(msgspec.Struct, forbid_unknown_fields=True):
    """typing:start on every keystroke (at most 20 a second), typing:stop when the user stops."""

    room_id: UUID


class NotificationAck(msgspec.Struct, forbid_unknown_fields=True):
    """A digest (or notification) shown by `notification` was seen: no external channel gets it."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


# Acknowledgements.

class FieldError(msgspec.Struct):
    field: str
    message: str


ErrorCode = Literal["invalid_input", "not_found", "forbidden", "conflict", "rate_limited", "payload_too_large",
                    "unknown_event", "unavailable"]


class Error(msgspec.Struct, omit_defaults=True):
    code: ErrorCode
    message: str
    fields: list[FieldError] | None = None
    retry_after_s: int | None = None


class Refusal(msgspec.Struct):
    ok: Literal[False]
    error: Error


class Sent(msgspec.Struct):
    ok: Literal[True]
    message: Message
    position: int
    created: bool


class Changed(msgspec.Struct):
    ok: Literal[True]
    message: Message
    position: int


class Deleted(msgspec.Struct):
    ok: Literal[True]
    position: int


class ReadMarked(msgspec.Struct):
    """Marks are written debounced (at most one write a second per room); the ack comes once the mark is
    written and says how far the user has read as recorded: the burst's highest mark, never past the log's head."""

    ok: Literal[True]
    last_read_position: int


class Done(msgspec.Struct):
    ok: Literal[True]


# Server to client: durable events carry room_id, position and at.

class Durable(msgspec.Struct, kw_only=True):
    room_id: UUID
    position: int
    at: str


class MessageNew(Durable):
    message: Message


class MessageEdited(Durable):
    message: Message


class MessageDeleted(Durable):
    message_id: UUID


class ReactionChanged(Durable):
    message_id: UUID
    emoji: str
    user_id: UUID
    added: bool


class ReadReceipt(Durable):
    user_id: UUID
    up_to_position: int


class RoomUpdated(Durable):
    room: Room


class MemberJoined(Durable):
    user_ids: list[UUID]


class MemberLeft(Durable):
    user_id: UUID


class SyncDone(msgspec.Struct):
    position: int


class ResyncRequired(msgspec.Struct):
    position: int
    reason: Literal["replay_cap", "slow_consumer"]


class SessionEnded(msgspec.Struct):
    """Sent just before the server disconnects a socket whose token expired or session ended."""

    reason: Literal["token_expired", "session_revoked"]


# Ephemeral: never stored, never replayed.

class TypingChanged(msgspec.Struct):
    """Exactly two per typing session: true when it starts; false after 1.5 s of silence, a send, a stop
    or a disconnect. Never sent to the typist."""

    room_id: UUID
    user_id: UUID
    typing: bool


class PresenceChanged(msgspec.Struct):
    """To users sharing a room of at most HUBBUB_PRESENCE_ROOM_LIMIT members (larger rooms: ask
    GET /api/rooms/{id}/presence): online while any device is connected, offline 5 s after the last left."""

    user_id: UUID
    online: bool


class Digest(msgspec.Struct):
    """A notification digest; acknowledge it with notification:ack {id: digest_id} within 30 s, or it
    goes to the user's external channels."""

    digest_id: str
    items: list[dict[str, Any]]


class ConnectRefused(msgspec.Struct):
    """connect_error: `message` is the code, `data.detail` says why."""

    message: Literal["invalid_token", "token_expired", "session_revoked", "too_many_connections"]
    data: dict[str, str]


# event name -> (payload, acknowledgement)
COMMANDS: dict[str, tuple[type[msgspec.Struct], type[msgspec.Struct]]] = {
    "message:send": (SendMessage, Sent),
    "message:edit": (EditMessage, Changed),
    "message:delete": (DeleteMessage, Deleted),
    "reaction:add": (Reaction, Changed),
    "reaction:remove": (Reaction, Changed),
    "read:mark": (MarkRead, ReadMarked),
    "sync": (Sync, Done),
    "typing:start": (Typing, Done),
    "typing:stop": (Typing, Done),
    "notification:ack": (NotificationAck, Done),
}

DURABLE_EVENTS: dict[str, type[Durable]] = {
    "message:new": MessageNew, "message:edited": MessageEdited, "message:deleted": MessageDeleted,
    "reaction": ReactionChanged, "read:receipt": ReadReceipt, "room:updated": RoomUpdated,
    "member:joined": MemberJoined, "member:left": MemberLeft,
}

SERVER_EVENTS: dict[str, type[msgspec.Struct]] = {
    **DURABLE_EVENTS, "sync:done": SyncDone, "sync:resync_required": ResyncRequired,
    "session:ended": SessionEnded, "typing": TypingChanged, "presence": PresenceChanged, "notification": Digest,
}
