"""A login session: one device's chain of single-use refresh tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .errors import DomainError
from .text import Kind, optional_text

MAX_DEVICE_NAME = 64


class Session(Aggregate):
    @classmethod
    def open(cls, session_id: UUID, account_id: UUID, device_name: str | None, token_id: str) -> Session:
        device = optional_text("device_name", device_name, max_len=MAX_DEVICE_NAME, kind=Kind.NAME)
        return cls(account_id=account_id, device_name=device, token_id=token_id, actor_id=account_id, id=session_id)

    @event("Opened")
    def __init__(self, account_id: UUID, device_name: str | None, token_id: str, actor_id: UUID, id: UUID):
        self.account_id = account_id
        self.device_name = device_name
        self.token_id = token_id
        self.revoked_reason: str | None = None

    @property
    def last_used_at(self) -> datetime:
        # Every change after opening is a rotation until the session is revoked.
        return self.modified_on

    @property
    def is_live(self) -> bool:
        return self.revoked_reason is None

    def rotate(self, presented_token_id: str, new_token_id: str) -> bool:
        """Swap a spent refresh token for a new one.

        A token that is not the current one has been used before: whoever holds it stole
        it or replayed it, so the whole session is revoked and False is returned.
        """
        if not self.is_live:
            raise SessionRevoked(self.id, self.revoked_reason or "revoked")
        if presented_token_id != self.token_id:
            self.revoke("refresh-token-reuse", actor_id=self.account_id)
            return False
        self._rotated(token_id=new_token_id, actor_id=self.account_id)
        return True

    @event("Rotated")
    def _rotated(self, token_id: str, actor_id: UUID) -> None:
        self.token_id = token_id

    def revoke(self, reason: str, actor_id: UUID) -> bool:
        if not self.is_live:
            return False
        self._revoked(reason=reason, actor_id=actor_id)
        return True

    @event("Revoked")
    def _revoked(self, reason: str, actor_id: UUID) -> None:
        self.revoked_reason = reason


class SessionRevoked(DomainError):
    def __init__(self, session_id: UUID, reason: str):
        super().__init__(f"session {session_id} was revoked ({reason})")
        self.reason = reason
