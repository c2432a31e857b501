"""Audit commands: reading the audit trail is itself recorded, and so is an erasure.

An erasure destroys the user's key before the writer records it (on the bus's executor, like
password work): should the append fail, the data is erased all the same and the caller is told
(asking again records it); the other way round, a recorded erasure could leave the data readable.
"""

from __future__ import annotations

from hubbub.domain.account import Account
from hubbub.domain.audit import MAX_REASON, AuditAccess, Erasure
from hubbub.domain.errors import Conflict, NotFound
from hubbub.domain.text import bounded_text

from . import commands as c
from .app import Hubbub
from .context import CommandContext
from .staged import Staged, Workspace


class AuditService:
    def __init__(self, app: Hubbub):
        self.app = app

    def handlers(self) -> dict:
        return {c.RecordAuditAccess: record_access, c.EraseUser: record_erasure}

    def before(self) -> dict:
        return {c.EraseUser: self.destroy_key}

    def destroy_key(self, command: c.EraseUser, context: CommandContext) -> c.EraseUser:
        keys = self.app.keys
        if keys is None:
            raise Conflict("personal data is not encrypted (HUBBUB_ENCRYPT_PERSONAL_DATA=false): nothing to erase")
        bounded_text("reason", command.reason, min_len=1, max_len=MAX_REASON)
        self.app.load(Account, command.user_id, NotFound(f"no user {command.user_id}"))
        keys.destroy(command.user_id)
        return command


def record_access(command: c.RecordAuditAccess, context: CommandContext, ws: Workspace) -> Staged:
    """Answers the position of the record, appended before the reader is answered."""
    access = AuditAccess.record(context.actor_id, command.action, command.target)
    return Staged(context, (access,), lambda position: position)


def record_erasure(command: c.EraseUser, context: CommandContext, ws: Workspace) -> Staged:
    """Answers the erasure's position (the key is already destroyed: AuditService.destroy_key)."""
    erasure = Erasure.request(command.user_id, command.reason, context.actor_id)
    return Staged(context, (erasure,), lambda position: position)
