"""Access and refresh tokens (JWT). Access tokens prove a live session; refresh tokens rotate it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import jwt

from hubbub.application.errors import Unauthenticated
from hubbub.domain.ids import random_id

from .keys import SigningKeys

ACCESS = "access"
REFRESH = "refresh"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "sid", "typ", "iat", "exp", "jti"]
VERIFIED_CACHE_SIZE = 10_000


class TokenRejected(Unauthenticated):
    """The token is malformed, forged, expired, or not meant for this use; the reason is safe to show."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    session_id: UUID


@dataclass(frozen=True)
class RefreshClaims:
    user_id: UUID
    session_id: UUID
    token_id: str


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class Tokens:
    def __init__(
        self, keys: SigningKeys, issuer: str, audience: str, access_ttl_s: int, refresh_ttl_s: int,
        clock: Callable[[], float] = time.time,
    ):
        # The clock stamps issued tokens only; pyjwt checks expiry against the real time.
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self._clock = clock
        # A client sends the same access token for 15 minutes: verify its signature once. The
        # key is the whole token, signature included, so only the exact bytes verified hit.
        self._verified: dict[str, tuple[AccessClaims, float]] = {}

    def pair(self, user_id: UUID, session_id: UUID, token_id: str) -> TokenPair:
        access = self._encode(ACCESS, user_id, session_id, random_id().hex, self.access_ttl_s)
        refresh = self._encode(REFRESH, user_id, session_id, token_id, self.refresh_ttl_s)
        return TokenPair(access, refresh, self.access_ttl_s)

    def read_access(self, token: str) -> AccessClaims:
        verified = self._verified.get(token)
        if verified is not None:
            claims, expires_at = verified
            if time.time() < expires_at:  # pyjwt's rule with no leeway: expired once now >= exp
                return claims
            del self._verified[token]
            raise TokenRejected("the token has expired", "token_expired")
        decoded = self._decode(token, ACCESS)
        claims = AccessClaims(_uuid(decoded["sub"]), _uuid(decoded["sid"]))
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest: dicts keep insertion order
        self._verified[token] = claims, float(decoded["exp"])
        return claims

    def read_refresh(self, token: str) -> RefreshClaims:
        claims = self._decode(token, REFRESH)
        return RefreshClaims(_uuid(claims["sub"]), _uuid(claims["sid"]), str(claims["jti"]))

    def _encode(self, kind: str, user_id: UUID, session_id: UUID, token_id: str, ttl_s: int) -> str:
        now = int(self._clock())
        claims = {
            "iss": self.issuer, "aud": self.audience, "sub": str(user_id), "sid": str(session_id),
            "typ": kind, "iat": now, "nbf": now, "exp": now + ttl_s, "jti": token_id,
        }
        return jwt.encode(claims, self.keys.signing_key, algorithm=self.keys.algorithm)

    def _decode(self, token: str, kind: str) -> dict:
        try:
            claims = jwt.decode(
                token, self.keys.verifying_key, algorithms=[self.keys.algorithm],
                audience=self.audience, issuer=self.issuer, options={"require": REQUIRED_CLAIMS},
                leeway=0,
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("the token has expired", "token_expired") from None
        except jwt.PyJWTError:
            raise TokenRejected("the token is not valid") from None
        if claims.get("typ") != kind:
            raise TokenRejected(f"not an {kind} token" if kind == ACCESS else f"not a {kind} token")
        return claims


def _uuid(value: object) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise TokenRejected("the token is not valid") from None
