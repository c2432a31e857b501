"""The command writer: the one thread that decides and appends every command, in batches.

Every command of hubbub reaches it through the CommandBus (application/bus.py); nothing else
appends to the log. Per batch the writer:

1. catches its aggregate cache up with the log (one query when nobody else appended);
2. runs every queued command's `prepare` (application/staged.py) in order. A command that
   loads what an earlier one of the batch changed gets it as that one left it, pending changes
   included, so commands on one hot record are decided one after another and never race;
3. appends all their events in one transaction (`insert_events`: every backend has it);
4. answers each command, once per event loop for all of that loop's commands.

Another process can still append a version first: the store refuses ours, and the command (with
every later one of the batch that built on it) runs again on fresh state, up to MAX_ATTEMPTS,
or answers through its `replayed` when it has one. That is the one retry policy of hubbub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent

from hubbub.domain.errors import NotFound

from .app import Hubbub
from .context import acting_as
from .errors import ConcurrentUpdate
from .log_cache import LogFollowingCache
from .staged import Prepare, Staged

A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 16
MAX_BATCH_COMMANDS = 256
MAX_BATCH_EVENTS = 500  # bounds one transaction's size (and a Postgres statement's parameters)
log = logging.getLogger("hubbub.writer")


@dataclass(eq=False)
class _Job:
    prepare: Prepare
    settle: Callable[[Any, BaseException | None], None]
    loop: asyncio.AbstractEventLoop | None = None
    attempts: int = 0
    staged: Staged | None = None
    domain_events: list[Any] = field(default_factory=list)
    events: list[StoredEvent] = field(default_factory=list)
    touched: frozenset = frozenset()  # ids of the aggregates it appends to
    relies_on: frozenset = frozenset()  # ids it touches or read as an earlier job of the batch left them
    result: Any = None
    error: BaseException | None = None
    answered: bool = False

    def answer(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.answered = result, error, True


class WriterClosed(RuntimeError):
    pass


class CommandWriter:
    def __init__(self, app: Hubbub, max_batch_events: int = MAX_BATCH_EVENTS):
        self.app = app
        self.cache = LogFollowingCache(app)
        self.max_batch_events = max_batch_events
        self._queue: list[_Job] = []
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.batches = 0  # transactions run, for tests and metrics
        self.commands = 0

    # Submitting.

    def call(self, prepare: Prepare) -> Any:
        """Run the command on the writer and wait for its answer (from any thread but the writer's)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a command running on the writer cannot wait for the writer")
        future: Future = Future()
        self._submit(_Job(prepare, lambda result, error: _settle_future(future, result, error)))
        return future.result()

    async def run(self, prepare: Prepare) -> Any:
        """Run the command on the writer without blocking the event loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._submit(_Job(prepare, lambda result, error: _settle_future(future, result, error), loop))
        return await future

    def _submit(self, job: _Job) -> None:
        with self._changed:
            if self._closed:
                raise WriterClosed("the command writer is closed")
            if self._thread is None:  # started on first use: building an app opens nothing
                self._thread = threading.Thread(target=self._serve, name="hubbub-writer", daemon=True)
                self._thread.start()
            self._queue.append(job)
            self._changed.notify()

    def close(self, timeout: float = 10.0) -> None:
        """Finish the commands already queued, then stop."""
        with self._changed:
            self._closed = True
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # The writer thread.

    def _serve(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closed:
                    self._changed.wait()
                if not self._queue:
                    return
                batch, self._queue = self._queue[:MAX_BATCH_COMMANDS], self._queue[MAX_BATCH_COMMANDS:]
            try:
                self._run(batch)
            except BaseException as error:  # noqa: BLE001 - no caller may wait forever
                log.exception("command writer batch failed")
                for job in batch:
                    if not job.answered:
                        job.answer(error=error)
            _answer(batch)

    def _run(self, batch: list[_Job]) -> None:
        pending = batch
        while pending:
            self.cache.catch_up()
            workspace = BatchWorkspace(self.cache)
            staged = [job for job in pending if self._prepare(job, workspace)]
            pending = self._retry_or_replay(self._commit(staged))

    def _prepare(self, job: _Job, workspace: BatchWorkspace) -> bool:
        """Run the job's decision; True when it has events to append."""
        job.attempts += 1
        workspace.begin()
        try:
            job.staged = job.prepare(workspace)
            # Not the library's ProcessingEvent: its isinstance checks against protocols cost
            # more than the rest of a send's decision.
            job.domain_events = [event for aggregate in job.staged.aggregates for event in aggregate.collect_events()]
            with acting_as(job.staged.context):  # the encoder stamps who acted
                job.events = [self.app.mapper.to_stored_event(event) for event in job.domain_events]
        except Exception as error:  # noqa: BLE001 - the command's own failure is its answer
            job.answer(error=error)
            return False
        if not job.events:
            _answer_with(job, job.staged.answer, workspace.head())
            return False
        job.touched = frozenset(event.originator_id for event in job.events)
        job.relies_on = job.touched | workspace.read_staged
        workspace.stage(job.staged.aggregates)
        return True

    def _commit(self, jobs: list[_Job]) -> list[_Job]:
        """Append the jobs' events; the jobs that were not appended (they lost a version race,
        or built on a job of the batch that did)."""
        tainted: set[UUID] = set()  # aggregates whose staged changes were not appended
        claimed: set[tuple[UUID, int]] = set()
        kept, lost = [], []
        for job in jobs:
            versions = {(event.originator_id, event.originator_version) for event in job.events}
            if job.relies_on & tainted or versions & claimed:  # two new aggregates of one id
                tainted |= job.touched
                lost.append(job)
            else:
                claimed |= versions
                kept.append(job)
        failed: set[UUID] = set()  # aggregates whose append failed, for the jobs after them
        for chunk in _chunks(kept, self.max_batch_events):
            lost += self._append(chunk, failed)
        return lost

    def _append(self, jobs: list[_Job], failed: set[UUID]) -> list[_Job]:
        ready, lost = [], []
        for job in jobs:
            if job.relies_on & failed:  # it built on a change that was not appended
                failed |= job.touched
                lost.append(job)
            else:
                ready.append(job)
        if not ready:
            return lost
        self.batches += 1
        self.commands += len(ready)
        try:
            ids = self.app.recorder.insert_events([event for job in ready for event in job.events])
        except IntegrityError:
            if len(ready) == 1:
                failed |= ready[0].touched
                return lost + ready
            # One conflict fails the whole transaction: find it, appending each job alone in order.
            for job in ready:
                lost += self._append([job], failed)
            return lost
        except Exception as error:  # noqa: BLE001 - every job of the transaction hears how it ended
            for job in ready:
                self._forget(job)
                job.answer(error=error)
            return lost
        self._committed(ready, list(ids or []))
        return lost

    def _committed(self, jobs: list[_Job], ids: list[int]) -> None:
        if ids:
            self.cache.appended(ids[0], ids[-1])
        start = 0
        for job in jobs:
            start += len(job.events)
            for aggregate in job.staged.aggregates:
                self.cache.put(aggregate)
            take_snapshots(self.app, job.staged.aggregates, job.domain_events)
            _answer_with(job, job.staged.answer, ids[start - 1] if ids else self.app.head())

    def _retry_or_replay(self, lost: list[_Job]) -> list[_Job]:
        again = []
        for job in lost:
            self._forget(job)
            if job.staged.replayed is not None:
                self.cache.catch_up()
                _answer_with(job, job.staged.replayed, BatchWorkspace(self.cache))
            elif job.attempts >= MAX_ATTEMPTS:
                job.answer(error=ConcurrentUpdate(f"gave up after {MAX_ATTEMPTS} concurrent-update retries"))
            else:
                again.append(job)
        return again

    def _forget(self, job: _Job) -> None:
        for aggregate in job.staged.aggregates if job.staged else ():
            self.cache.forget(aggregate.id)


class BatchWorkspace:
    """The aggregates one round of a batch decides on: the cache's, overlaid with what the
    round's earlier commands staged (their pending changes applied, not yet appended)."""

    def __init__(self, cache: LogFollowingCache):
        self.cache = cache
        self._staged: dict[UUID, Aggregate] = {}
        self.read_staged: set[UUID] = set()  # what the current command read of earlier ones' changes

    def begin(self) -> None:
        self.read_staged = set()

    def load(self, kind: type[A], aggregate_id: UUID, missing: Exception | None = None, *,
             for_change: bool = True) -> A:
        staged = self._staged.get(aggregate_id)
        if staged is None:
            return self.cache.load(kind, aggregate_id, missing, for_change=for_change)
        if not isinstance(staged, kind):
            raise missing or NotFound(f"{kind.__name__.lower()} {aggregate_id} not found")
        self.read_staged.add(aggregate_id)
        # A copy to change: a command that fails half-way leaves the staged one as it was.
        return deepcopy(staged) if for_change else staged

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        try:
            return self.load(kind, aggregate_id)
        except NotFound:
            return None

    def head(self) -> int:
        return self.cache.seen or 0

    def stage(self, aggregates: tuple[Aggregate, ...]) -> None:
        for aggregate in aggregates:
            self._staged[aggregate.id] = aggregate


def _chunks(jobs: list[_Job], max_events: int) -> list[list[_Job]]:
    chunks: list[list[_Job]] = [[]]
    size = 0
    for job in jobs:
        if chunks[-1] and size + len(job.events) > max_events:
            chunks.append([])
            size = 0
        chunks[-1].append(job)
        size += len(job.events)
    return chunks


def _answer_with(job: _Job, answer: Callable[[Any], Any], argument: Any) -> None:
    try:
        job.answer(answer(argument))
    except Exception as error:  # noqa: BLE001 - an answer that cannot be made is the command's error
        job.answer(error=error)


def take_snapshots(app: Hubbub, aggregates: tuple[Any, ...], events: list[Any]) -> None:
    """As Application.save does: a snapshot at every interval's multiple of the version."""
    if app.snapshots is None or not app.snapshotting_intervals:
        return
    kinds = {aggregate.id: type(aggregate) for aggregate in aggregates}
    for event in events:
        interval = app.snapshotting_intervals.get(kinds.get(event.originator_id))
        if interval and event.originator_version % interval == 0:
            app.take_snapshot(event.originator_id, version=event.originator_version)


def _answer(batch: list[_Job]) -> None:
    """Settle each job; jobs of one event loop in one call, so that the loop wakes once per batch."""
    by_loop: defaultdict[asyncio.AbstractEventLoop, list[_Job]] = defaultdict(list)
    for job in batch:
        if job.loop is None:
            job.settle(job.result, job.error)
        else:
            by_loop[job.loop].append(job)
    for loop, jobs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a loop closed meanwhile has no one left to answer
            loop.call_soon_threadsafe(_settle_all, jobs)


def _settle_all(jobs: list[_Job]) -> None:
    for job in jobs:
        job.settle(job.result, job.error)


def _settle_future(future: Future | asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():  # an awaiting request that was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
