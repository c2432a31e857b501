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


async def mark_read(runtime: Runtime, user_id: UUID, room_id: UUID, up_to_position: int) -> dict[str, Any]:
    last_read, position = await runtime.commands.submit(c.MarkRead(room_id, up_to_position), _as(user_id))
    return {"last_read_position": last_read, "position": position}


def _shown(message, position: int) -> dict[str, Any]:
    return msgspec.to_builtins(message_out(message, position))


def error_of(error: Exception) -> tuple[str, str, list[dict[str, str]] | None] | None:
    """(code, message, fields) for an error the client caused; None for the server's own failures."""
    kind = error_kind(error)
    if kind is None:
        return None
    fields = [{"field": error.field, "message": error.message}] if isinstance(error, InvalidInput) else None
    return kind.code if kind.code in SOCKET_CODES else "forbidden", str(error), fields


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
