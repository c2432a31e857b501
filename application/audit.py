"""Audit commands: reading the audit trail is itself recorded, and so is an erasure."""

from __future__ import annotations

from uuid import UUID

from hubbub.domain.audit import AuditAccess, Erasure

from .app import Hubbub
from .context import CommandContext


class AuditService:
    def __init__(self, app: Hubbub):
        self.app = app

    def record_access(self, context: CommandContext, action: str, target: str) -> int:
        """Who read what of the audit trail, appended before they are answered."""
        return self.app.commit(context, AuditAccess.record(context.actor_id, action, target))

    def record_erasure(self, context: CommandContext, user_id: UUID, reason: str) -> int:
        return self.app.commit(context, Erasure.request(user_id, reason, context.actor_id))
