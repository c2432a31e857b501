"""Log consumers: whatever runs on the background host beside the projectors (a broker relay,
the digest engine, audit). Each sees every event it asks for, in log order, with its metadata,
and keeps its own position: the host hands it a batch, and it applies the batch and then
records the position durably, so a restart resumes from there (at least once, in order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import Notification

from .follower import Follower
from .log import stored_record


@dataclass(frozen=True)
class LoggedEvent:
    position: int
    topic: str
    originator_id: UUID
    originator_version: int
    event: Any  # the decoded domain event
    metadata: Mapping[str, str | None]  # actor_id, correlation_id, causation_id
    # The record as stored (legacy topic, sealed state), for a consumer that hashes what was written.
    record: Notification | None = None


class LogConsumer(Protocol):
    name: str
    topics: tuple[str, ...]  # empty: every event
    # The read models (projector names) it reads while consuming: while one of them is rebuilt
    # in another shape, the supervisor feeds it nothing (state "waiting") until the switch.
    reads: tuple[str, ...] = ()

    def committed_position(self) -> int:
        """The position up to which every event has been consumed (0 when new)."""

    def consume(self, events: Sequence[LoggedEvent], up_to: int) -> None:
        """Apply the events, then durably record `up_to` (which may be past the last event:
        the log up to there held nothing else for this consumer)."""


@runtime_checkable
class RunningConsumer(LogConsumer, Protocol):
    """A LogConsumer with work of its own besides consume() (the digest engine delivers): the
    supervisor starts it before the first batch and stops it after the last commit."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class ConsumerPositions(Protocol):
    """Positions of log consumers that keep no documents, kept by the read store."""

    def position(self, name: str) -> int:
        """0 for a consumer that has committed nothing yet."""

    def commit(self, name: str, expected: int, position: int) -> None:
        """Move the position from `expected` to `position`; PositionConflict (nothing written) when
        the stored position is not `expected`."""


class PositionedConsumer:
    """A LogConsumer whose position lives in the read store: subclasses set `name`, `topics`
    and implement `handle`, which must be done with the events (published, written) when it returns."""

    name: str
    topics: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()

    def __init__(self, positions: ConsumerPositions):
        self.positions = positions

    def committed_position(self) -> int:
        return self.positions.position(self.name)

    def consume(self, events: Sequence[LoggedEvent], up_to: int) -> None:
        expected = self.committed_position()
        if events:
            self.handle(events)
        self.positions.commit(self.name, expected, up_to)

    def handle(self, events: Sequence[LoggedEvent]) -> None:
        raise NotImplementedError


MAX_BUFFERED = 2_000  # events handed over in one consume() call at most


class ConsumerFollower(Follower):
    """Feeds one LogConsumer from the pump: buffers the events it wants and hands them over at
    each commit, with the position the log has been read up to."""

    version = 0  # consumers keep no versioned read model
    max_dirty = MAX_BUFFERED

    def __init__(self, consumer: LogConsumer):
        self.consumer = consumer
        self.name = consumer.name
        self.topics = tuple(consumer.topics)
        self.reads = tuple(consumer.reads)
        super().__init__()

    def _restart(self) -> None:
        self.buffer: list[LoggedEvent] = []
        self.committed = self.consumer.committed_position()

    @property
    def dirty_count(self) -> int:
        return len(self.buffer)

    def apply(self, notification: Notification, event: Any, metadata: Mapping[str, str | None]) -> None:
        self.buffer.append(LoggedEvent(notification.id, notification.topic, notification.originator_id,
                                       notification.originator_version, event, metadata,
                                       stored_record(notification)))
        self.pending = notification.id

    def _write(self) -> None:
        self.consumer.consume(self.buffer, up_to=self.pending)
        self.buffer = []
