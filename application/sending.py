"""Sending a message, as every transport does it: one idempotency key, and a replay answered
with the original at its own position."""

from __future__ import annotations

from uuid import UUID

from hubbub.domain.errors import InvalidInput
from hubbub.domain.message import MAX_CLIENT_MSG_ID
from hubbub.domain.text import key_text

from .bus import CommandBus
from .commands import SendMessage
from .context import CommandContext
from .messages import Sent
from .read_models import ReadModels
from .read_side import ReadSide


async def send_message(commands: CommandBus, reads: ReadSide, context: CommandContext, command: SendMessage) -> Sent:
    sent = await commands.submit(command, context)
    if sent.created:
        return sent
    # A replay appended nothing: show the original as it was sent, at its own position.
    await reads.caught_up(sent.position)
    position = await reads.ask(_original_position, reads.models, sent.message.id, sent.position)
    return Sent(sent.message, position, created=False)


def one_key(client_msg_id: str | None, idempotency_key: str | None) -> str | None:
    """A transport's second name for client_msg_id (HTTP's Idempotency-Key) must agree with it."""
    if idempotency_key is not None:
        key_text("Idempotency-Key", idempotency_key, max_len=MAX_CLIENT_MSG_ID)
    if client_msg_id and idempotency_key and client_msg_id != idempotency_key:
        raise InvalidInput("Idempotency-Key", "must equal client_msg_id when both are given")
    return client_msg_id or idempotency_key


def _original_position(read_models: ReadModels, message_id: UUID, head: int) -> int:
    original = read_models.message(message_id)
    return int(original["position"]) if original else head
