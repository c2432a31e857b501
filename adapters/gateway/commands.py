"""Socket commands: validated with msgspec, rate limited like HTTP, run through the application's
own commands, each answered with an ack. A bad payload is answered, never a disconnect."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec

from . import wiring
from .connections import Connection
from .replay import sync
from .schemas import (COMMANDS, MAX_PAYLOAD_BYTES, DeleteMessage, EditMessage, MarkRead, NotificationAck, Reaction,
                      SendMessage, Sync, Typing)

if TYPE_CHECKING:
    from .gateway import Gateway

log = logging.getLogger("hubbub.gateway")
# Sends, edits, deletes and reactions count with HTTP's message tier; the rest with "other".
TIERS = {"message:send": "messages", "message:edit": "messages", "message:delete": "messages",
         "reaction:add": "messages", "reaction:remove": "messages", "read:mark": "other", "sync": "other",
         "notification:ack": "other"}  # typing is limited by the signals themselves, per keystroke
# Read marks merge by their highest position, so their order against other commands does not matter,
# and their ack waits for the debounced write, which must not hold up the socket's other commands.
UNORDERED = {"read:mark"}


def refusal(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


async def handle(gateway: Gateway, connection: Connection, event: str, args: tuple) -> dict[str, Any]:
    if event not in COMMANDS:
        return refusal("unknown_event", f"no such event: {event!r}")
    payload = args[0] if len(args) == 1 else None
    if len(msgspec.json.encode(payload)) > MAX_PAYLOAD_BYTES:
        return refusal("payload_too_large", f"payloads are limited to {MAX_PAYLOAD_BYTES} bytes")
    try:
        command = msgspec.convert(payload, COMMANDS[event][0])
    except msgspec.ValidationError as error:
        return refusal("invalid_input", "the payload has invalid fields", fields=[_field_error(str(error))])
    try:
        verdict = await _rate_hit(gateway, TIERS[event], connection) if event in TIERS else None
    except RateLimitsDown:
        return refusal("unavailable", "rate limits cannot be checked right now; retry soon", retry_after_s=1)
    if verdict is not None and not verdict.allowed:
        return refusal("rate_limited", f"too many {TIERS[event]} requests; try again in {verdict.reset_s} s",
                       retry_after_s=verdict.reset_s)
    if event in UNORDERED:
        return await _acked(gateway, connection, event, command)
    async with connection.commands:  # one socket's commands run in the order they arrived
        return await _acked(gateway, connection, event, command)


async def _acked(gateway: Gateway, connection: Connection, event: str, command: msgspec.Struct) -> dict[str, Any]:
    try:
        return {"ok": True, **await _run(gateway, connection, event, command)}
    except Exception as error:  # noqa: BLE001 - every failure becomes an ack
        return _failure(error)


async def _run(gateway: Gateway, connection: Connection, event: str, command: msgspec.Struct) -> dict[str, Any]:
    runtime, user_id = gateway.runtime, connection.user_id
    match command:
        case SendMessage(room_id, body, client_msg_id, thread_id):
            return await wiring.send(runtime, user_id, room_id, body, client_msg_id, thread_id)
        case EditMessage(room_id, message_id, body):
            return await wiring.edit(runtime, user_id, room_id, message_id, body)
        case Reaction(room_id, message_id, emoji):
            return await wiring.react(runtime, user_id, room_id, message_id, emoji, event == "reaction:add")
        case DeleteMessage(room_id, message_id):  # after its subclasses, which would match it
            return await wiring.delete(runtime, user_id, room_id, message_id)
        case MarkRead(room_id, up_to_position):
            return await wiring.mark_read(runtime, user_id, room_id, up_to_position)
        case Typing(room_id):
            return await wiring.typing(runtime, user_id, room_id, connection.sid, event == "typing:start")
        case NotificationAck(digest_id):
            return await wiring.notification_ack(runtime, user_id, digest_id)
        case Sync(since):
            gateway.spawn(sync(gateway, connection, since))
            return {}
    raise AssertionError(f"no handler for {type(command).__name__}")


class RateLimitsDown(Exception):
    pass


async def _rate_hit(gateway: Gateway, tier: str, connection: Connection):
    try:
        return await wiring.rate_hit(gateway.runtime, tier, connection.user_id)
    except Exception:  # as over HTTP: HUBBUB_RATE_LIMIT_FAILURE decides, loudly either way
        if wiring.rate_limits_fail_closed(gateway.runtime):
            log.exception("rate limit store unavailable; socket command refused", extra={"tier": tier})
            raise RateLimitsDown() from None
        log.exception("rate limit store unavailable; socket command let through", extra={"tier": tier})
        return None


def _failure(error: Exception) -> dict[str, Any]:
    known = wiring.error_of(error)
    if known is None:
        log.error("socket command failed", exc_info=error)
        return refusal("unavailable", "the server could not do this now; try again")
    code, message, extra = known
    return refusal(code, message, **extra)


def _field_error(message: str) -> dict[str, str]:
    # msgspec says "Expected `str`, got `int` - at `$.body`"; a missing field names itself.
    text, _, path = message.partition(" - at `$.")
    if path:
        return {"field": path.rstrip("`").split("[")[0], "message": text}
    if "required field" in text:
        return {"field": text.rsplit("`", 2)[-2], "message": text}
    if "unknown field" in text.lower():
        return {"field": text.rsplit("`", 2)[-2], "message": text}
    return {"field": "payload", "message": text}
