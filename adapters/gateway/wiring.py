"""Every call the gateway makes into the rest of hubbub, in one place: the runtime, the command
bus, identify() and the error table. When one of those moves, this is the file to change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt
import msgspec

from hubbub.adapters.auth.identify import identify as identify_token
from hubbub.adapters.bootstrap import Runtime
from hubbub.adapters.http.presenters import message_out
from hubbub.adapters.ratelimit.policy import Verdict
from hubbub.adapters.signals.limits import RateLimited as SignalsRateLimited
from hubbub.application import commands as c
from hubbub.application.context import CommandContext
from hubbub.application.error_kinds import error_kind
from hubbub.application.errors import Unauthenticated
from hubbub.application.sending import send_message
from hubbub.domain.errors import InvalidInput
from hubbub.domain.ids import random_id

__all__ = ["Runtime"]
SOCKET_CODES = frozenset({"invalid_input", "not_found", "forbidden", "conflict", "rate_limited",
                          "payload_too_large", "unknown_event", "unavailable"})


@dataclass(frozen=True)
class Identity:
    user_id: UUID
    session_id: UUID
    expires_at: float  # the access token's exp (seconds since the epoch)


class Refused(Exception):
    """A connect refused with one of the contract's codes."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


async def identify(runtime: Runtime, token: object) -> Identity:
    """The same check as HTTP: the token's signature and expiry, then the live-session cache."""
    if not isinstance(token, str) or not token.strip():
        raise Refused("invalid_token", "auth.token must be an access token")
    try:
        who = await identify_token(runtime, token.strip())
    except Unauthenticated as refused:
        raise Refused(refused.code, str(refused)) from None
    # Verified just now: only its expiry is read again, to disconnect the socket when it comes.
    expires_at = float(jwt.decode(token.strip(), options={"verify_signature": False})["exp"])
    return Identity(who.user_id, who.session_id, expires_at)


def on_session_revoked(runtime: Runtime, listener: Callable[[UUID, str], None]) -> Callable[[], None]:
    """Called from any thread: this process's revocations and (through the log) every other's."""
    return runtime.revocations.subscribe(listener)


async def rate_hit(runtime: Runtime, tier: str, user_id: UUID) -> Verdict:
    """The HTTP tiers' counter and key: a user's socket and HTTP sends count together."""
    return await runtime.counter.hit(f"{tier}:user:{user_id}", runtime.rates[tier])


def rate_limits_fail_closed(runtime: Runtime) -> bool:
    return runtime.settings.rate_limit_failure == "closed"


# Commands: the application's own, submitted to the one command bus as HTTP does.

def _as(user_id: UUID) -> CommandContext:
    return CommandContext.for_request(user_id, None)


async def send(runtime: Runtime, user_id: UUID, room_id: UUID, body: str, client_msg_id: str,
               thread_id: UUID | None) -> dict[str, Any]:
    sent = await send_message(runtime.commands, runtime.reads, _as(user_id),
                              c.SendMessage(room_id, body, client_msg_id, thread_id))
    await runtime.signals.message_sent(user_id, room_id)  # a send ends the sender's typing there
    return {"message": _shown(sent.message, sent.position), "position": sent.position, "created": sent.created}


async def edit(runtime: Runtime, user_id: UUID, room_id: UUID, message_id: UUID, body: str) -> dict[str, Any]:
    message, position = await runtime.commands.submit(c.EditMessage(room_id, message_id, body), _as(user_id))
    return {"message": _shown(message, position), "position": position}


async def delete(runtime: Runtime, user_id: UUID, room_id: UUID, message_id: UUID) -> dict[str, Any]:
    _, position = await runtime.commands.submit(c.DeleteMessage(room_id, message_id), _as(user_id))
    return {"position": position}


async def react(runtime: Runtime, user_id: UUID, room_id: UUID, message_id: UUID, emoji: str,
                added: bool) -> dict[str, Any]:
    command = (c.AddReaction if added else c.RemoveReaction)(room_id, message_id, emoji)
    message, position = await runtime.commands.submit(command, _as(user_id))
    return {"message": _shown(message, position), "position": position}


# Live signals: runtime.signals (adapters/signals/hub.py) debounces, limits and fans them out.

def attach_signals(runtime: Runtime, emitter) -> None:
    runtime.signals.attach(emitter)


async def socket_connected(runtime: Runtime, user_id: UUID, sid: str) -> None:
    """Presence, and the user's undelivered digests shown to the new socket."""
    await runtime.signals.connected(user_id, sid)


async def socket_disconnected(runtime: Runtime, user_id: UUID, sid: str) -> None:
    """Ends the socket's typing, writes the user's pending read marks, starts presence's grace."""
    await runtime.signals.disconnected(user_id, sid)


async def typing(runtime: Runtime, user_id: UUID, room_id: UUID, sid: str, started: bool) -> dict[str, Any]:
    if started:
        await runtime.signals.typing_start(user_id, room_id, sid)
    else:
        await runtime.signals.typing_stop(user_id, room_id)
    return {}


async def mark_read(runtime: Runtime, user_id: UUID, room_id: UUID, up_to_position: int) -> dict[str, Any]:
    """Debounced: the first mark of a burst is written at once, the rest within a second; the ack
    comes once the mark is written, with what the write recorded (never past the log's head)."""
    return {"last_read_position": await runtime.signals.read_mark(user_id, room_id, up_to_position)}


async def notification_ack(runtime: Runtime, user_id: UUID, digest_id: str) -> dict[str, Any]:
    await runtime.signals.notification_ack(user_id, digest_id)
    return {}


def _shown(message, position: int) -> dict[str, Any]:
    return msgspec.to_builtins(message_out(message, position))


def error_of(error: Exception) -> tuple[str, str, dict[str, Any]] | None:
    """(code, message, extra ack fields) for an error the client caused; None for the server's own failures."""
    if isinstance(error, SignalsRateLimited):
        return "rate_limited", str(error), {"retry_after_s": error.retry_after_s}
    kind = error_kind(error)
    if kind is None:
        return None
    extra = {"fields": [{"field": error.field, "message": error.message}]} if isinstance(error, InvalidInput) else {}
    return kind.code if kind.code in SOCKET_CODES else "forbidden", str(error), extra


# Threads, the feed read model and the log.

def in_thread(runtime: Runtime, func, *args):
    return runtime.executors.in_thread(func, *args)


def in_query_thread(runtime: Runtime, func, *args):
    return runtime.executors.in_query_thread(func, *args)


def read_models(runtime: Runtime):
    return runtime.read_models


def log_head(runtime: Runtime) -> int:
    return runtime.services.app.head()


def socket_slots(runtime: Runtime, connections):
    """Sockets per user: across processes through Redis when configured, else in this process."""
    from .slots import LocalSlots, RedisSlots

    if runtime.settings.redis_url:
        return RedisSlots.from_url(runtime.settings.redis_url, random_id().hex)
    return LocalSlots(connections)
