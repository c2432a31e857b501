"""Who holds a token: its user and session, for every transport (HTTP requests, socket connects).

A token's signature is verified once (Tokens caches the verified claims until expiry). The
session must be live: LiveSessions remembers live verdicts and forgets one the moment the
session is revoked, here or (through the log) in any other process; otherwise the Session
aggregate is read from the store, on the runtime's blocking threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from hubbub.application.accounts import AccountService
from hubbub.domain.errors import NotFound

from .tokens import TokenRejected

if TYPE_CHECKING:
    from hubbub.adapters.bootstrap import Runtime


@dataclass(frozen=True)
class Identity:
    user_id: UUID
    session_id: UUID


async def identify(runtime: Runtime, token: str) -> Identity:
    """The live session behind an access token; TokenRejected (code invalid_token, token_expired
    or session_revoked) otherwise."""
    claims = runtime.tokens.read_access(token)
    if runtime.live_sessions.known_revoked(claims.session_id):
        raise TokenRejected("the token's session has been revoked", "session_revoked")
    if not runtime.live_sessions.known_live(claims.session_id, claims.user_id):
        await runtime.executors.in_thread(_ensure_live, runtime.services.accounts, claims.user_id, claims.session_id)
        runtime.live_sessions.remember(claims.session_id, claims.user_id)
    return Identity(claims.user_id, claims.session_id)


def _ensure_live(accounts: AccountService, user_id: UUID, session_id: UUID) -> None:
    try:
        session = accounts.get_session(session_id)
    except NotFound:
        raise TokenRejected("the token's session does not exist") from None
    if not session.is_live or session.account_id != user_id:
        raise TokenRejected("the token's session has been revoked", "session_revoked")
