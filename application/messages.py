"""Messages: send (idempotently), edit, delete, react."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from hubbub.domain.errors import DomainError, InvalidInput, NotFound
from hubbub.domain.ids import account_id, message_id, random_id
from hubbub.domain.mentions import mentioned_usernames
from hubbub.domain.message import MAX_CLIENT_MSG_ID, Message, validated_body
from hubbub.domain.text import key_text
from hubbub.domain.room import Room, RoomNotFound

from . import commands as c
from .app import Hubbub
from .context import CommandContext
from .errors import IdempotencyKeyReused
from .staged import Staged, Workspace


@dataclass(frozen=True)
class Sent:
    message: Message
    position: int
    created: bool


class MessageService:
    def __init__(self, app: Hubbub):
        self.app = app

    def get(self, room_id: UUID, message_id_: UUID) -> Message:
        message = self.app.load(Message, message_id_)
        if message.room_id != room_id:
            raise NotFound(f"message {message_id_} not found")
        return message

    def handlers(self) -> dict:
        return {
            c.SendMessage: send_message, c.EditMessage: edit_message, c.DeleteMessage: delete_message,
            c.AddReaction: add_reaction, c.RemoveReaction: remove_reaction,
        }


def send_message(command: c.SendMessage, context: CommandContext, ws: Workspace) -> Staged:
    """Append a message; the same client_msg_id again answers the original, appending nothing."""
    room_id, body, thread_id = command.room_id, command.body, command.thread_id
    key = _validated_key(command.client_msg_id)
    new_id = message_id(room_id, context.actor_id, key) if key else random_id()

    def replayed(workspace: Workspace) -> Sent:
        return _original(workspace, room_id, new_id, body, thread_id)

    try:
        room = _room(ws, room_id)
        message = Message.compose(
            room, context.actor_id, body, resolve_mentions(body),
            _thread_root(ws, room_id, thread_id), new_id, client_msg_id=key,
        )
    except DomainError as refused:
        # A replay after the sender lost the right to send still gets its original back.
        if key is None:
            raise
        try:
            return Staged.answered(context, replayed(ws))
        except NotFound:
            raise refused from None
    return Staged(context, (message,), lambda position: Sent(message, position, created=True),
                  replayed=replayed if key else None)


def _original(ws: Workspace, room_id: UUID, existing_id: UUID, body: str, thread_id: UUID | None) -> Sent:
    original = ws.load(Message, existing_id, for_change=False)
    # A deleted original has no body left to compare: the retry still gets it back.
    if not original.deleted and (
        original.body != validated_body(body) or original.thread_id != _thread_root(ws, room_id, thread_id)
    ):
        raise IdempotencyKeyReused()
    return Sent(original, ws.head(), created=False)


def edit_message(command: c.EditMessage, context: CommandContext, ws: Workspace) -> Staged:
    body = command.body
    return _change(context, ws, command.room_id, command.message_id,
                   lambda m, room: m.edit(room, body, resolve_mentions(body), context.actor_id))


def delete_message(command: c.DeleteMessage, context: CommandContext, ws: Workspace) -> Staged:
    return _change(context, ws, command.room_id, command.message_id, lambda m, room: m.delete(room, context.actor_id))


def add_reaction(command: c.AddReaction, context: CommandContext, ws: Workspace) -> Staged:
    return _change(context, ws, command.room_id, command.message_id,
                   lambda m, room: m.add_reaction(room, command.emoji, context.actor_id))


def remove_reaction(command: c.RemoveReaction, context: CommandContext, ws: Workspace) -> Staged:
    return _change(context, ws, command.room_id, command.message_id,
                   lambda m, room: m.remove_reaction(room, command.emoji, context.actor_id))


def _change(context: CommandContext, ws: Workspace, room_id: UUID, message_id_: UUID,
            change: Callable[[Message, Room], object]) -> Staged:
    """Answers (message, position)."""
    room = _room(ws, room_id)
    room.ensure_member(context.actor_id)
    message = _message_in(ws, room_id, message_id_)
    change(message, room)
    return Staged(context, (message,), lambda position: (message, position))


def _room(ws: Workspace, room_id: UUID) -> Room:
    return ws.load(Room, room_id, RoomNotFound(room_id), for_change=False)


def _message_in(ws: Workspace, room_id: UUID, message_id_: UUID) -> Message:
    message = ws.load(Message, message_id_)
    if message.room_id != room_id:
        raise NotFound(f"message {message_id_} not found")
    return message


def _thread_root(ws: Workspace, room_id: UUID, thread_id: UUID | None) -> UUID | None:
    if thread_id is None:
        return None
    parent = ws.load(Message, thread_id, InvalidInput("thread_id", "no such message"), for_change=False)
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
