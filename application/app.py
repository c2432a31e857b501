"""The event-sourced application: one log for every aggregate of hubbub."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from hubbub.domain.account import Account
from hubbub.domain.errors import NotFound
from hubbub.domain.inbox import Inbox
from hubbub.domain.room import Room
from hubbub.domain.session import Session

from .topics import register_legacy_topics

A = TypeVar("A", bound=Aggregate)


class Hubbub(Application):
    name = "hubbub"
    # Rooms with many members and long-lived accounts/sessions grow; snapshots bound loading.
    snapshotting_intervals = {Room: 100, Account: 100, Session: 100, Inbox: 100}

    def __init__(self, *args, **kwargs):
        register_legacy_topics()
        super().__init__(*args, **kwargs)

    def head(self) -> int:
        """The global position of the last event in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def load(self, kind: type[A], aggregate_id: UUID, missing: Exception | None = None) -> A:
        """Read an aggregate from the store (the writer keeps its own cache: log_cache.py)."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise missing or NotFound(f"{kind.__name__.lower()} {aggregate_id} not found") from None
        if not isinstance(aggregate, kind):
            raise missing or NotFound(f"{kind.__name__.lower()} {aggregate_id} not found")
        return aggregate

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None: one read where exists() then load() would take two."""
        try:
            return self.load(kind, aggregate_id)
        except NotFound:
            return None

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository
