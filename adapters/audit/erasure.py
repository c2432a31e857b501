"""Erasing a user's personal data: destroy their key, then record the erasure in the log.

The key goes first: should the append fail, the data is erased all the same and the caller
is told (the erasure can be requested again, which records it); the other way round, a
recorded erasure could leave the data readable.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import LRUCache, Repository

from hubbub.adapters.eventstore.shredding import ShreddingHubbub
from hubbub.application.audit import AuditService
from hubbub.application.context import CommandContext
from hubbub.domain.account import Account
from hubbub.domain.errors import Conflict, NotFound


class Eraser:
    def __init__(self, app, service: AuditService):
        self.app, self.service = app, service

    def erase(self, context: CommandContext, user_id: UUID, reason: str) -> int:
        if not isinstance(self.app, ShreddingHubbub):
            raise Conflict("personal data is not encrypted (HUBBUB_ENCRYPT_PERSONAL_DATA=false): nothing to erase")
        self.app.load(Account, user_id, NotFound(f"no user {user_id}"), for_change=False)
        self.app.keys.destroy(user_id)
        _forget_cached_aggregates(self.app.repository)
        return self.service.record_erasure(context, user_id, reason)


def _forget_cached_aggregates(repository: Repository) -> None:
    """Cached aggregates hold decrypted data; the next load reads (and cannot open) it again."""
    cache = repository.cache
    if cache is None:
        return
    if isinstance(cache, LRUCache):
        with cache.lock:
            cache.cache.clear()
            cache.clear()
            cache.full = False
    else:
        cache.cache.clear()
