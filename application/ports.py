"""What the application needs from the outside world, as protocols adapters implement."""

from collections.abc import Iterable
from typing import Any, Protocol
from uuid import UUID


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class TokenIssuer(Protocol):
    """Signs a session's tokens and reads refresh tokens back (adapters/auth/tokens.py)."""

    def pair(self, user_id: UUID, session_id: UUID, token_id: str) -> Any: ...

    def read_refresh(self, token: str) -> Any:
        """Claims with user_id, session_id and token_id; raises Unauthenticated when unusable."""


class Revocations(Protocol):
    """Where revoked sessions are announced, so that whatever holds them lets go at once."""

    def revoked(self, session_ids: Iterable[UUID], reason: str) -> None: ...
