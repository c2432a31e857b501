"""Sending a message over HTTP: the Idempotency-Key header and client_msg_id are one key."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from hubbub.application.context import CommandContext
from hubbub.application.read_models import ReadModels
from hubbub.application.threads import in_thread
from hubbub.domain.errors import InvalidInput
from hubbub.domain.message import MAX_CLIENT_MSG_ID
from hubbub.domain.text import key_text

from .presenters import message_out
from .runtime import Runtime
from .schemas.messages import Message, MessageCreate


@dataclass(frozen=True)
class Delivered:
    message: Message
    position: int
    created: bool


async def send_message(
    runtime: Runtime, context: CommandContext, room_id: UUID, data: MessageCreate, idempotency_key: str | None
) -> Delivered:
    key = _one_key(data.client_msg_id, idempotency_key)
    services = runtime.services
    sent = await services.writer.run(services.messages.sending(context, room_id, data.body, key, data.thread_id))
    if sent.created:
        return Delivered(message_out(sent.message, sent.position), sent.position, created=True)
    # A replay appended nothing: show the original as it was sent, at its own position.
    position = await in_thread(
        _original_position, runtime.read_models, sent.message.id, sent.position, runtime.settings.read_wait_timeout_s
    )
    return Delivered(message_out(sent.message, position), position, created=False)


def _one_key(client_msg_id: str | None, idempotency_key: str | None) -> str | None:
    if idempotency_key is not None:
        key_text("Idempotency-Key", idempotency_key, max_len=MAX_CLIENT_MSG_ID)
    if client_msg_id and idempotency_key and client_msg_id != idempotency_key:
        raise InvalidInput("Idempotency-Key", "must equal client_msg_id when both are given")
    return client_msg_id or idempotency_key


def _original_position(read_models: ReadModels, message_id: UUID, head: int, timeout: float) -> int:
    read_models.wait_for(head, timeout)
    original = read_models.message(message_id)
    return int(original["position"]) if original else head
