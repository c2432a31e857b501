"""Runs every projector in one thread: catch up from the stored positions, then follow live.

In the web process (HUBBUB_PROJECTIONS=thread) or in `hubbub projections run` (the others).

Positions are per projector; one scan of the log serves them all. The supervisor also notices
when a rebuild (in this or another process) switched a projection to a new version, and moves
that projector onto it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from hubbub.application.read_models import StaleReadModel

from .live import LiveFeed
from .log import EventLog
from .progress import serving_version
from .projector import Projector
from .pump import fold, ready, replay
from .status import ProjectionStatus, status_of
from .store import ReadStore, VersionGone
from .worker import Worker

logger = logging.getLogger(__name__)
FOLLOW_BATCH = 2_000
POLL_S = 0.25
CATALOG_CHECK_S = 1.0
RETRY_S = 1.0
STALLED_POLLS = 4  # idle polls with the head ahead of what the subscription delivered


class ProjectionSupervisor:
    def __init__(self, log: EventLog, read_store: ReadStore, projectors: Sequence[type[Projector]]):
        self.log = log
        self.read_store = read_store
        self.projectors = list(projectors)
        self.workers: list[Worker] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._catalog_checked = 0.0

    def open_workers(self) -> None:
        """One worker per projector, on its serving version (created empty when there is none)."""
        if not self.workers:
            self.workers = [self._worker_on_active_version(p) for p in self.projectors]

    def start(self) -> None:
        self.open_workers()
        self._thread = threading.Thread(target=self._run, name="hubbub-projections", daemon=True)
        self._thread.start()

    def catch_up(self) -> None:
        """Replay up to the head in the caller's thread (tests, tools): no live following."""
        self.open_workers()
        replay(self.log, self.workers)
        self._catalog_checked = 0.0
        self._round_done()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def _worker_on_active_version(self, projector: type[Projector]) -> Worker:
        store, version = serving_version(self.read_store, projector)
        return Worker(projector, store, version)

    # The loop.

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                replay(self.log, self.workers, progress=lambda _: self._round_done(), should_stop=self._stopping.is_set)
                self._round_done()
                self._follow()
            except Exception:  # noqa: BLE001 - the log or store is unreachable: try again shortly
                logger.exception("projections: follow loop failed; retrying")
                self._stopping.wait(RETRY_S)
        self._final_commit()

    def _follow(self) -> None:
        """Fold what the subscription delivers, until some worker needs events it did not get."""
        resets = self._resets()
        delivered = min((w.pending for w in ready(self.workers)), default=self.log.head())
        feed, stalled = LiveFeed(self.log, after=delivered), 0
        try:
            while not self._stopping.is_set():
                notifications = feed.take(FOLLOW_BATCH, timeout=POLL_S)
                active = ready(self.workers)
                if self._resets() != resets or any(w.pending < delivered for w in active):
                    return  # restarted, switched or back from a backoff: catch up by replay first
                if notifications:
                    fold(self.log, notifications, active, notifications[-1].id, commit="live")
                    delivered, stalled = notifications[-1].id, 0
                elif self.log.head() > delivered:
                    stalled += 1
                    if stalled >= STALLED_POLLS:
                        return  # the subscription missed a wake-up: replay what it did not bring
                self._round_done()
        finally:
            feed.close()

    def _resets(self) -> list[tuple[Worker, int]]:
        return [(w, w.resets) for w in self.workers]

    def _round_done(self) -> None:
        with self._changed:
            self._changed.notify_all()
        if time.monotonic() - self._catalog_checked >= CATALOG_CHECK_S:
            self._catalog_checked = time.monotonic()
            self._follow_switches()

    def _follow_switches(self) -> None:
        for index, worker in enumerate(self.workers):
            active = self.read_store.active_version(worker.name)
            if active is None or active == worker.version:
                continue
            try:
                store = self.read_store.open(worker.name, active, worker.projector_type.collections)
            except VersionGone:
                continue
            logger.info("projections: %s switched to version %s", worker.name, active)
            self.workers[index] = Worker(worker.projector_type, store, active)
            self.read_store.release(worker.name, worker.version)

    def _final_commit(self) -> None:
        for worker in ready(self.workers):
            try:
                worker.commit(force=True)
            except Exception:  # noqa: BLE001 - what is lost is folded again at the next start
                logger.exception("projections: final commit of %s failed", worker.name)

    # What queries and operators see.

    def processed_position(self) -> int:
        return min((w.visible for w in self.workers), default=0)

    def wait_for(self, position: int, timeout: float = 5.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.processed_position() >= position, timeout):
                raise StaleReadModel(f"read models have not reached position {position} within {timeout:g} s")

    def statuses(self) -> list[ProjectionStatus]:
        head = self.log.head()
        return [status_of(w, head, self.running) for w in self.workers]
