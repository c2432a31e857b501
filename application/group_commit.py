"""Group commit: concurrent commands share one transaction of the event store.

Every command appends in a worker thread. Alone, each pays a whole transaction (lock, insert,
commit, fsync); under load most of that is waiting for the transaction before it. Here the
first thread to arrive becomes the leader: it inserts the stored events of every command
queued while the previous transaction ran, in one atomic `insert_events`, then hands the lead
to a waiting thread. Each command still gets only its own notification ids back.

A batch is all or nothing, so one command's conflict (an optimistic-concurrency IntegrityError,
a replayed idempotent send) would fail its neighbours: the leader then retries each command of
that batch in its own transaction, and only the conflicting one sees the error.

Events are encoded by the thread that made them, before queueing: the encoder stamps the
acting user's metadata from that thread's context.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eventsourcing.persistence import (
    AggregateRecorder, EventStore, IntegrityError, Mapper, Notification, Recording, StoredEvent,
)

R = TypeVar("R")
Insert = Callable[[Sequence[StoredEvent]], Sequence[int] | None]
MAX_BATCH_EVENTS = 500  # bounds one transaction's size (and a Postgres statement's parameters)


@dataclass(eq=False)
class _Request:
    events: Sequence[StoredEvent]
    done: bool = False
    ids: Sequence[int] | None = None
    error: BaseException | None = None


@dataclass
class GroupCommit:
    insert: Insert
    max_batch_events: int = MAX_BATCH_EVENTS
    _queue: list[_Request] = field(default_factory=list)
    _leading: bool = False
    _changed: threading.Condition = field(default_factory=threading.Condition)
    batches: int = 0  # transactions run, for tests and metrics
    requests: int = 0

    def __call__(self, events: Sequence[StoredEvent]) -> Sequence[int] | None:
        """Insert these events atomically (with others' in the same transaction); their ids."""
        request = _Request(events)
        with self._changed:
            self._queue.append(request)
        while True:
            with self._changed:
                while self._leading and not request.done:
                    self._changed.wait()
                if request.done:
                    break
                self._leading = True
                batch = self._take_batch()
            try:
                self._run(batch)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if request.error is not None:
            raise _own(request.error) from request.error
        return request.ids

    def _take_batch(self) -> list[_Request]:
        taken, size = 0, 0
        for request in self._queue:
            if taken and size + len(request.events) > self.max_batch_events:
                break
            taken, size = taken + 1, size + len(request.events)
        batch, self._queue = self._queue[:taken], self._queue[taken:]
        return batch

    def _run(self, batch: list[_Request]) -> None:
        self.batches += 1
        self.requests += len(batch)
        batch, losers = without_collisions(batch, lambda request: request.events)
        try:
            self._insert(batch)
        finally:
            for request in losers:  # after the winner's commit, so that their retry reloads it
                _finish(request, error=IntegrityError("another command appended this aggregate version first"))

    def _insert(self, batch: list[_Request]) -> None:
        try:
            ids = self.insert([event for request in batch for event in request.events])
        except IntegrityError as error:
            if len(batch) == 1:
                _finish(batch[0], error=error)
            else:
                self._one_by_one(batch)
            return
        except BaseException as error:  # noqa: BLE001 - every waiter must hear how its commit ended
            for request in batch:
                _finish(request, error=error)
            return
        self._hand_out(batch, ids)

    def _one_by_one(self, batch: list[_Request]) -> None:
        for request in batch:
            try:
                _finish(request, ids=self.insert(request.events))
            except BaseException as error:  # noqa: BLE001
                _finish(request, error=error)

    @staticmethod
    def _hand_out(batch: list[_Request], ids: Sequence[int] | None) -> None:
        start = 0
        for request in batch:
            end = start + len(request.events)
            _finish(request, ids=list(ids[start:end]) if ids is not None else None)
            start = end


def without_collisions(batch: list[R], events_of: Callable[[R], Sequence[StoredEvent]]) -> tuple[list[R], list[R]]:
    """(items to insert, items appending an aggregate version an earlier one appends too).

    Commands that loaded the same aggregate version race; in one transaction only the first can
    win, and letting the others in would fail the whole batch.
    """
    claimed: set[tuple[object, int]] = set()
    kept, losers = [], []
    for item in batch:
        versions = {(e.originator_id, e.originator_version) for e in events_of(item)}
        if versions & claimed:
            losers.append(item)
        else:
            claimed |= versions
            kept.append(item)
    return kept, losers


def _own(error: BaseException) -> BaseException:
    """A copy of the error for this thread to raise: a failed batch hands one error to every
    waiter, and threads raising one object at once would tangle its traceback and context."""
    try:
        return copy.copy(error)
    except Exception:  # noqa: BLE001 - an error that cannot be rebuilt from its args: share it
        return error


def _finish(request: _Request, ids: Sequence[int] | None = None, error: BaseException | None = None) -> None:
    request.ids, request.error, request.done = ids, error, True


class GroupCommittedEventStore(EventStore):
    """The library's event store, its appends group-committed (snapshots keep their own store)."""

    def __init__(self, mapper: Mapper, recorder: AggregateRecorder):
        super().__init__(mapper, recorder)
        self.group_commit = GroupCommit(recorder.insert_events)

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording]:
        if any(value is not None for value in kwargs.values()):  # tracking records: not ours to batch
            return super().put(domain_events, **kwargs)
        stored_events = [self.mapper.to_stored_event(event) for event in domain_events]
        ids = self.group_commit(stored_events)
        if not ids:
            return []
        return [
            Recording(event, Notification(originator_id=s.originator_id, originator_version=s.originator_version,
                                          topic=s.topic, state=s.state, id=n))
            for event, s, n in zip(domain_events, stored_events, ids, strict=True)
        ]
