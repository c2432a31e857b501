"""Messages: send (idempotently), edit, delete, react."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from hubbub.domain.errors import DomainError, InvalidInput, NotFound
from hubbub.domain.ids import account_id, message_id, random_id
from hubbub.domain.mentions import mentioned_usernames
from hubbub.domain.message import MAX_CLIENT_MSG_ID, Message, validated_body
from hubbub.domain.text import key_text
from hubbub.domain.room import Room, RoomNotFound

from .app import Hubbub
from .context import CommandContext
from .errors import IdempotencyKeyReused
from .staged import Load, Prepare, Staged
from .writer import CommandWriter


@dataclass(frozen=True)
class Sent:
    message: Message
    position: int
    created: bool


class MessageService:
    """Message commands run on the command writer; `send` etc. wait for it, `sending` etc. are
    the commands themselves, for callers that await `writer.run`."""

    def __init__(self, app: Hubbub, writer: CommandWriter):
        self.app = app
        self.writer = writer

    def send(
        self, context: CommandContext, room_id: UUID, body: str,
        client_msg_id: str | None = None, thread_id: UUID | None = None,
    ) -> Sent:
        """Append a message; the same client_msg_id again returns the original, appending nothing."""
        return self.writer.call(self.sending(context, room_id, body, client_msg_id, thread_id))

    def sending(
        self, context: CommandContext, room_id: UUID, body: str,
        client_msg_id: str | None = None, thread_id: UUID | None = None,
    ) -> Prepare:
        key = _validated_key(client_msg_id)
        new_id = message_id(room_id, context.actor_id, key) if key else random_id()

        def replayed(load: Load) -> Sent:
            return self._original(load, room_id, new_id, body, thread_id)

        def prepare(load: Load) -> Staged[Sent]:
            try:
                room = _room(load, room_id)
                message = Message.compose(
                    room, context.actor_id, body, resolve_mentions(body),
                    _thread_root(load, room_id, thread_id), new_id, client_msg_id=key,
                )
            except DomainError as refused:
                # A replay after the sender lost the right to send still gets its original back.
                if key is None:
                    raise
                try:
                    return Staged.answered(context, replayed(load))
                except NotFound:
                    raise refused from None
            return Staged(context, (message,), lambda position: Sent(message, position, created=True),
                          replayed=replayed if key else None)

        return prepare

    def _original(self, load: Load, room_id: UUID, existing_id: UUID, body: str, thread_id: UUID | None) -> Sent:
        original = load(Message, existing_id, for_change=False)
        # A deleted original has no body left to compare: the retry still gets it back.
        if not original.deleted and (
            original.body != validated_body(body) or original.thread_id != _thread_root(load, room_id, thread_id)
        ):
            raise IdempotencyKeyReused()
        return Sent(original, self.app.head(), created=False)

    def get(self, room_id: UUID, message_id_: UUID) -> Message:
        return _message_in(self.app.load, room_id, message_id_, for_change=False)

    def edit(self, context: CommandContext, room_id: UUID, message_id_: UUID, body: str) -> tuple[Message, int]:
        return self.writer.call(self.editing(context, room_id, message_id_, body))

    def editing(self, context: CommandContext, room_id: UUID, message_id_: UUID, body: str) -> Prepare:
        return self._change(context, room_id, message_id_,
                            lambda m, room: m.edit(room, body, resolve_mentions(body), context.actor_id))

    def delete(self, context: CommandContext, room_id: UUID, message_id_: UUID) -> tuple[Message, int]:
        return self.writer.call(self.deleting(context, room_id, message_id_))

    def deleting(self, context: CommandContext, room_id: UUID, message_id_: UUID) -> Prepare:
        return self._change(context, room_id, message_id_, lambda m, room: m.delete(room, context.actor_id))

    def add_reaction(self, context: CommandContext, room_id: UUID, message_id_: UUID, emoji: str) -> tuple[Message, int]:
        return self.writer.call(self.adding_reaction(context, room_id, message_id_, emoji))

    def adding_reaction(self, context: CommandContext, room_id: UUID, message_id_: UUID, emoji: str) -> Prepare:
        return self._change(context, room_id, message_id_,
                            lambda m, room: m.add_reaction(room, emoji, context.actor_id))

    def remove_reaction(self, context: CommandContext, room_id: UUID, message_id_: UUID, emoji: str) -> tuple[Message, int]:
        return self.writer.call(self.removing_reaction(context, room_id, message_id_, emoji))

    def removing_reaction(self, context: CommandContext, room_id: UUID, message_id_: UUID, emoji: str) -> Prepare:
        return self._change(context, room_id, message_id_,
                            lambda m, room: m.remove_reaction(room, emoji, context.actor_id))

    @staticmethod
    def _change(context: CommandContext, room_id: UUID, message_id_: UUID, change) -> Prepare:
        def prepare(load: Load) -> Staged[tuple[Message, int]]:
            room = _room(load, room_id)
            room.ensure_member(context.actor_id)
            message = _message_in(load, room_id, message_id_, for_change=True)
            change(message, room)
            return Staged(context, (message,), lambda position: (message, position))

        return prepare


def _room(load: Load, room_id: UUID) -> Room:
    return load(Room, room_id, RoomNotFound(room_id), for_change=False)


def _message_in(load: Load, room_id: UUID, message_id_: UUID, *, for_change: bool) -> Message:
    message = load(Message, message_id_, for_change=for_change)
    if message.room_id != room_id:
        raise NotFound(f"message {message_id_} not found")
    return message


def _thread_root(load: Load, room_id: UUID, thread_id: UUID | None) -> UUID | None:
    if thread_id is None:
        return None
    parent = load(Message, thread_id, InvalidInput("thread_id", "no such message"), for_change=False)
    if parent.room_id != room_id:
        raise InvalidInput("thread_id", "the thread's message is in another room")
    # Threads are flat: a reply to a reply joins the root's thread.
    return parent.thread_id or parent.id


def resolve_mentions(body: str) -> list[UUID]:
    # Account ids derive from usernames; the domain keeps only those who are room members.
    return [account_id(name) for name in mentioned_usernames(body if isinstance(body, str) else "")]


def _validated_key(client_msg_id: str | None) -> str | None:
    if client_msg_id is None:
        return None
    return key_text("client_msg_id", client_msg_id, max_len=MAX_CLIENT_MSG_ID)
