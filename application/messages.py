"""Messages: send (idempotently), edit, delete, react."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from domain.errors import DomainError, InvalidInput, NotFound
from domain.ids import account_id, message_id
from domain.mentions import mentioned_usernames
from domain.message import MAX_CLIENT_MSG_ID, Message, validated_body

from .app import Hubbub
from .concurrency import with_retries
from .context import CommandContext
from .errors import IdempotencyKeyReused
from .rooms import RoomService


@dataclass(frozen=True)
class Sent:
    message: Message
    position: int
    created: bool


class MessageService:
    def __init__(self, app: Hubbub, rooms: RoomService):
        self.app = app
        self.rooms = rooms

    def send(
        self, context: CommandContext, room_id: UUID, body: str,
        client_msg_id: str | None = None, thread_id: UUID | None = None,
    ) -> Sent:
        """Append a message; the same client_msg_id again returns the original, appending nothing."""
        key = _validated_key(client_msg_id)
        new_id = message_id(room_id, context.actor_id, key) if key else uuid4()
        try:
            room = self.rooms.peek(room_id)
            message = Message.compose(
                room, context.actor_id, body, resolve_mentions(body),
                self._thread_root(room_id, thread_id), new_id, client_msg_id=key,
            )
            return Sent(message, self.app.commit(context, message), created=True)
        except (IntegrityError, DomainError):
            if key is None or not self.app.exists(new_id):
                raise
            return self._original(room_id, new_id, body, thread_id)

    def _original(self, room_id: UUID, existing_id: UUID, body: str, thread_id: UUID | None) -> Sent:
        original = self.app.load(Message, existing_id)
        # A deleted original has no body left to compare: the retry still gets it back.
        if not original.deleted and (
            original.body != validated_body(body) or original.thread_id != self._thread_root(room_id, thread_id)
        ):
            raise IdempotencyKeyReused()
        return Sent(original, self.app.head(), created=False)

    def _thread_root(self, room_id: UUID, thread_id: UUID | None) -> UUID | None:
        if thread_id is None:
            return None
        parent = self.app.load(Message, thread_id, missing=InvalidInput("thread_id", "no such message"))
        if parent.room_id != room_id:
            raise InvalidInput("thread_id", "the thread's message is in another room")
        # Threads are flat: a reply to a reply joins the root's thread.
        return parent.thread_id or parent.id

    def get(self, room_id: UUID, message_id_: UUID) -> Message:
        message = self.app.load(Message, message_id_)
        if message.room_id != room_id:
            raise NotFound(f"message {message_id_} not found")
        return message

    def edit(self, context: CommandContext, room_id: UUID, message_id_: UUID, body: str) -> tuple[Message, int]:
        return self._change(context, room_id, message_id_,
                            lambda m, room: m.edit(room, body, resolve_mentions(body), context.actor_id))

    def delete(self, context: CommandContext, room_id: UUID, message_id_: UUID) -> tuple[Message, int]:
        return self._change(context, room_id, message_id_, lambda m, room: m.delete(room, context.actor_id))

    def add_reaction(self, context: CommandContext, room_id: UUID, message_id_: UUID, emoji: str) -> tuple[Message, int]:
        return self._change(context, room_id, message_id_,
                            lambda m, room: m.add_reaction(room, emoji, context.actor_id))

    def remove_reaction(self, context: CommandContext, room_id: UUID, message_id_: UUID, emoji: str) -> tuple[Message, int]:
        return self._change(context, room_id, message_id_,
                            lambda m, room: m.remove_reaction(room, emoji, context.actor_id))

    def _change(self, context: CommandContext, room_id: UUID, message_id_: UUID, change) -> tuple[Message, int]:
        def command() -> tuple[Message, int]:
            room = self.rooms.peek(room_id)
            room.ensure_member(context.actor_id)
            message = self.get(room_id, message_id_)
            change(message, room)
            return message, self.app.commit(context, message)

        return with_retries(command)


def resolve_mentions(body: str) -> list[UUID]:
    # Account ids derive from usernames; the domain keeps only those who are room members.
    return [account_id(name) for name in mentioned_usernames(body if isinstance(body, str) else "")]


def _validated_key(client_msg_id: str | None) -> str | None:
    if client_msg_id is None:
        return None
    if not isinstance(client_msg_id, str) or not 1 <= len(client_msg_id) <= MAX_CLIENT_MSG_ID:
        raise InvalidInput("client_msg_id", f"must be 1–{MAX_CLIENT_MSG_ID} characters")
    return client_msg_id
