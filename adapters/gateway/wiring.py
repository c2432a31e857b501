"""Every call the gateway makes into the rest of hubbub, in one place: when the runtime, the
command path or the error table move, this is the one file to change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt
import msgspec

from hubbub.adapters.auth.tokens import TokenRejected
from hubbub.adapters.http.dependencies import context_for
from hubbub.adapters.http.presenters import message_out
from hubbub.adapters.http.problems import DOMAIN_ERRORS
from hubbub.adapters.http.runtime import Runtime
from hubbub.adapters.http.schemas.messages import MessageCreate
from hubbub.adapters.http.security import identify as identify_bearer
from hubbub.adapters.http.sending import send_message
from hubbub.adapters.ratelimit.policy import Verdict
from hubbub.adapters.settings import Settings
from hubbub.application.read_models import StaleReadModel
from hubbub.application.threads import in_thread
from hubbub.domain.errors import DomainError, InvalidInput
from hubbub.domain.ids import random_id

__all__ = ["Runtime", "Settings"]


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
    principal, why_not = await identify_bearer(runtime, f"Bearer {token.strip()}")
    if principal is None:
        raise Refused(_refusal_code(why_not or ""), why_not or "the token is not valid")
    expires_at = float(jwt.decode(token.strip(), options={"verify_signature": False})["exp"])
    return Identity(principal.user_id, principal.session_id, expires_at)


def _refusal_code(reason: str) -> str:
    if "expired" in reason:
        return "token_expired"
    if "revoked" in reason or "session does not exist" in reason:
        return "session_revoked"
    return "invalid_token"


def on_session_revoked(runtime: Runtime, listener: Callable[[UUID, str], None]) -> Callable[[], None]:
    """Called from any thread: this process's revocations and (through the log) every other's."""
    return runtime.revocations.subscribe(listener)


async def rate_hit(runtime: Runtime, tier: str, user_id: UUID) -> Verdict:
    """The HTTP tiers' counter and key: a user's socket and HTTP sends count together."""
    return await runtime.counter.hit(f"{tier}:user:{user_id}", runtime.rates[tier])


def rate_limits_fail_closed(runtime: Runtime) -> bool:
    return runtime.settings.rate_limit_failure == "closed"


# Commands: the application's own, through the same calls as the HTTP controllers.

async def send(runtime: Runtime, user_id: UUID, room_id: UUID, body: str, client_msg_id: str,
               thread_id: UUID | None) -> dict[str, Any]:
    data = MessageCreate(body=body, client_msg_id=client_msg_id, thread_id=thread_id)
    sent = await send_message(runtime, context_for(user_id, None), room_id, data, None)
    return {"message": msgspec.to_builtins(sent.message), "position": sent.position, "created": sent.created}


async def edit(runtime: Runtime, user_id: UUID, room_id: UUID, message_id: UUID, body: str) -> dict[str, Any]:
    services = runtime.services
    message, position = await services.writer.run(
        services.messages.editing(context_for(user_id, None), room_id, message_id, body))
    return {"message": msgspec.to_builtins(message_out(message, position)), "position": position}


async def delete(runtime: Runtime, user_id: UUID, room_id: UUID, message_id: UUID) -> dict[str, Any]:
    services = runtime.services
    _, position = await services.writer.run(
        services.messages.deleting(context_for(user_id, None), room_id, message_id))
    return {"position": position}


async def react(runtime: Runtime, user_id: UUID, room_id: UUID, message_id: UUID, emoji: str,
                added: bool) -> dict[str, Any]:
    services = runtime.services
    change = services.messages.adding_reaction if added else services.messages.removing_reaction
    message, position = await services.writer.run(change(context_for(user_id, None), room_id, message_id, emoji))
    return {"message": msgspec.to_builtins(message_out(message, position)), "position": position}


async def mark_read(runtime: Runtime, user_id: UUID, room_id: UUID, up_to_position: int) -> dict[str, Any]:
    reads = runtime.services.reads
    last_read, position = await in_thread(reads.mark_read, context_for(user_id, None), room_id, up_to_position)
    return {"last_read_position": last_read, "position": position}


# Errors: the HTTP table decides what kind of error a domain error is.

STATUS_CODES = {400: "invalid_input", 401: "forbidden", 403: "forbidden", 404: "not_found", 409: "conflict",
                422: "invalid_input"}


def error_of(error: Exception) -> tuple[str, str, list[dict[str, str]] | None] | None:
    """(code, message, fields) for an error the client caused; None for the server's own failures."""
    if isinstance(error, StaleReadModel):
        return None
    if not isinstance(error, (DomainError, TokenRejected)):
        return None
    status = next(s for cls, s, _ in DOMAIN_ERRORS if isinstance(error, cls))
    fields = [{"field": error.field, "message": error.message}] if isinstance(error, InvalidInput) else None
    return STATUS_CODES.get(status, "invalid_input"), str(error), fields


# The feed read model and the log.

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
