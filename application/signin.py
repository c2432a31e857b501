"""Sign-in flows: the account commands joined to the tokens that prove a session, and every
revocation announced the moment it is appended (a socket gateway disconnects on it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hubbub.domain.errors import NotFound
from hubbub.domain.session import SessionRevoked

from . import commands as c
from .bus import CommandBus
from .context import CommandContext
from .errors import RefreshTokenReused, Unauthenticated
from .ports import Revocations, TokenIssuer


@dataclass(frozen=True)
class SignedIn:
    tokens: Any  # the TokenIssuer's pair
    position: int | None
    evicted: list[UUID]


async def sign_in(commands: CommandBus, tokens: TokenIssuer, revocations: Revocations,
                  username: str, password: str, device: str | None) -> SignedIn:
    opened = await commands.submit(c.StartSession(username, password, device))
    revocations.revoked(opened.evicted, "evicted")
    pair = tokens.pair(opened.account_id, opened.session_id, opened.token_id)
    return SignedIn(pair, opened.position, opened.evicted)


async def refresh(commands: CommandBus, tokens: TokenIssuer, revocations: Revocations,
                  refresh_token: str) -> tuple[Any, int]:
    """Spend the refresh token for a new pair; a spent one revokes its session (RefreshTokenReused)."""
    claims = tokens.read_refresh(refresh_token)
    try:
        rotated = await commands.submit(c.Refresh(claims.session_id, claims.token_id))
    except NotFound:
        raise Unauthenticated("the token's session does not exist") from None
    except SessionRevoked:
        raise Unauthenticated("the token's session has been revoked", "session_revoked") from None
    except RefreshTokenReused:
        revocations.revoked([claims.session_id], "refresh-token-reuse")
        raise
    pair = tokens.pair(rotated.session.account_id, rotated.session.id, rotated.token_id)
    return pair, rotated.position


async def sign_out(commands: CommandBus, tokens: TokenIssuer, revocations: Revocations,
                   refresh_token: str, request_id: str | None) -> int:
    claims = tokens.read_refresh(refresh_token)
    context = CommandContext.for_request(claims.user_id, request_id)
    try:
        position = await commands.submit(c.RevokeSession(claims.session_id, "logout"), context)
    except NotFound:
        raise Unauthenticated("the token's session does not exist") from None
    revocations.revoked([claims.session_id], "logout")
    return position


async def revoke_session(commands: CommandBus, revocations: Revocations, context: CommandContext,
                         session_id: UUID) -> int:
    position = await commands.submit(c.RevokeSession(session_id, "revoked"), context)
    revocations.revoked([session_id], "revoked")
    return position


async def change_password(commands: CommandBus, revocations: Revocations, context: CommandContext,
                          command: c.ChangePassword) -> int:
    changed = await commands.submit(command, context)
    revocations.revoked(changed.revoked, "password-changed")
    return changed.position
