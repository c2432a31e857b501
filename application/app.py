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

from .context import CommandContext, acting_as
from .group_commit import GroupCommittedEventStore
from .topics import register_legacy_topics

A = TypeVar("A", bound=Aggregate)


class Hubbub(Application):
    name = "hubbub"
    # Rooms with many members and long-lived accounts/sessions grow; snapshots bound loading.
    snapshotting_intervals = {Room: 100, Account: 100, Session: 100, Inbox: 100}

    def __init__(self, *args, **kwargs):
        register_legacy_topics()
        super().__init__(*args, **kwargs)

    def construct_event_store(self) -> GroupCommittedEventStore:
        return GroupCommittedEventStore(self.mapper, self.recorder)

    def head(self) -> int:
        """The global position of the last event in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def commit(self, context: CommandContext, *aggregates: Aggregate | None) -> int:
        """Append every pending event of the aggregates atomically; return the last position.

        With nothing pending, the answer is the current head: a read model that has
        reached it reflects everything this command depends on.
        """
        with acting_as(context):
            recordings = self.save(*aggregates)
        return recordings[-1].notification.id if recordings else self.head()

    def load(
        self, kind: type[A], aggregate_id: UUID, missing: Exception | None = None, *, for_change: bool = True
    ) -> A:
        """Load an aggregate; `for_change=False` skips copying a cached one, so never mutate it.

        A check (`for_change=False`) also skips the fast-forward when another thread is already
        bringing the same cached aggregate up to date: under load every send to a busy room
        would otherwise queue on that room's lock for a read its neighbour is doing anyway.
        """
        try:
            aggregate = self.repository.get(
                aggregate_id, deepcopy_from_cache=for_change, fastforward_skipping=not for_change
            )
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
