"""The audit trail's own events: who inspected or exported what, and the erasure of a user's data."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .text import bounded_text

ERASED = "[erased]"  # what an erased user's personal data reads as, everywhere
MAX_REASON = 500
MAX_TARGET = 500


class AuditAccess(Aggregate):
    """One reading of the audit trail (an inspection, an export, a verification)."""

    @classmethod
    def record(cls, actor_id: UUID, action: str, target: str) -> AuditAccess:
        return cls(action=action, target=target[:MAX_TARGET], actor_id=actor_id)

    @event("Recorded")
    def __init__(self, action: str, target: str, actor_id: UUID):
        self.action = action
        self.target = target
        self.reader_id = actor_id


class Erasure(Aggregate):
    """A user's personal data made unreadable: their key is destroyed, no stored event changes."""

    @classmethod
    def request(cls, user_id: UUID, reason: str, actor_id: UUID) -> Erasure:
        return cls(user_id=user_id, reason=bounded_text("reason", reason, min_len=1, max_len=MAX_REASON),
                   actor_id=actor_id)

    @event("Requested")
    def __init__(self, user_id: UUID, reason: str, actor_id: UUID):
        self.user_id = user_id
        self.reason = reason
        self.requested_by = actor_id

