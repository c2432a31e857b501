"""Sign-in flows that join the account service to the token adapter. Blocking: run in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from hubbub.adapters.auth.tokens import TokenPair, TokenRejected, Tokens
from hubbub.application.services import Services
from hubbub.domain.errors import NotFound
from hubbub.domain.session import SessionRevoked

from .dependencies import context_for


@dataclass(frozen=True)
class SignedIn:
    tokens: TokenPair
    position: int | None
    evicted: list[UUID]


def sign_in(services: Services, tokens: Tokens, username: str, password: str, device: str | None) -> SignedIn:
    # authenticate() costs one password hash whether or not the user exists.
    account = services.accounts.authenticate(username, password)
    opened = services.accounts.open_session(account.id, device)
    return SignedIn(tokens.pair(account.id, opened.session_id, opened.token_id), opened.position, opened.evicted)


def refresh(services: Services, tokens: Tokens, refresh_token: str) -> tuple[TokenPair, int]:
    """Spend the refresh token for a new pair; a spent one revokes its session (RefreshTokenReused)."""
    claims = tokens.read_refresh(refresh_token)
    try:
        rotated = services.accounts.rotate_session(claims.session_id, claims.token_id)
    except NotFound:
        raise TokenRejected("the token's session does not exist") from None
    except SessionRevoked:
        raise TokenRejected("the token's session has been revoked") from None
    pair = tokens.pair(rotated.session.account_id, rotated.session.id, rotated.token_id)
    return pair, rotated.position


def sign_out(services: Services, tokens: Tokens, refresh_token: str, request_id: str | None) -> tuple[UUID, int]:
    claims = tokens.read_refresh(refresh_token)
    context = context_for(claims.user_id, request_id)
    try:
        return claims.session_id, services.accounts.revoke_session(context, claims.session_id, "logout")
    except NotFound:
        raise TokenRejected("the token's session does not exist") from None
