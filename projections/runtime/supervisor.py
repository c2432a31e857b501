"""Runs every log consumer (projectors and the others) in one thread: catch up from the stored
positions, then follow live. The background host runs it while it holds the background lease.

Positions are per consumer; one scan of the log serves them all. The supervisor also notices
when a rebuild (in this or another process) switched a projection to a new version, and moves
that projector onto it. A projection whose serving version was built in another shape is
rebuilt beside the others, which go on meanwhile, its old version too; the consumers that read
it wait for the switch (upgrade.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from hubbub.application.read_models import StaleReadModel

from ..projector import Projector
from ..store import ReadStore, StoredVersion, VersionGone
from .consumer import ConsumerFollower, LogConsumer, RunningConsumer
from .follower import Follower, ProjectorFollower
from .live import LiveFeed
from .log import EventLog
from .pump import fold, ready, replay
from .status import ConsumerStatus, status_of
from .upgrade import RebuildingFollower, ShapeUpgrade, follower_on

logger = logging.getLogger(__name__)
FOLLOW_BATCH = 2_000
POLL_S = 0.25
CATALOG_CHECK_S = 1.0
RETRY_S = 1.0
STALLED_POLLS = 4  # idle polls with the head ahead of what the subscription delivered


def serving_version(read_store: ReadStore, projector: type[Projector]) -> tuple[StoredVersion, int]:
    """The projection's serving version, created empty (as version 1, in the projector's shape)
    when there is none."""
    version = read_store.active_version(projector.name)
    store = read_store.open(projector.name, version or 1, projector.collections, create=True, shape=projector.shape)
    if version is None:
        read_store.activate({projector.name: 1})
    return store, version or 1


class Supervisor:
    def __init__(self, log: EventLog, read_store: ReadStore, projectors: Sequence[type[Projector]],
                 consumers: Sequence[LogConsumer] = ()):
        self.log = log
        self.read_store = read_store
        self.projectors = list(projectors)
        self.consumers = list(consumers)
        self.followers: list[Follower] = []
        self.start_head = 0  # consumers are "starting" until they reach the head seen at start
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._catalog_checked = 0.0
        self.upgrade: ShapeUpgrade | None = None  # the projections to rebuild in this release's shape
        self._upgrade_thread: threading.Thread | None = None

    def open_followers(self) -> None:
        """One follower per projector, on its serving version (created empty when there is none;
        rebuilt beside when it is in another shape), and one per other consumer."""
        if not self.followers:
            self.start_head = self.log.head()
            projected = [self._follower_on_active_version(p) for p in self.projectors]
            stale = [f for f in projected if isinstance(f, RebuildingFollower)]
            self.upgrade = ShapeUpgrade(self.log, self.read_store, stale, self._stopping) if stale else None
            self.followers = [*projected, *(ConsumerFollower(c) for c in self.consumers)]
            self._hold_readers()

    def start(self) -> None:
        self.open_followers()
        for consumer in self._running():
            consumer.start()
        self._thread = threading.Thread(target=self._run, name="hubbub-consumers", daemon=True)
        self._thread.start()
        if self.upgrade is not None:
            self._upgrade_thread = threading.Thread(target=self.upgrade.run, name="hubbub-rebuild", daemon=True)
            self._upgrade_thread.start()

    def catch_up(self) -> None:
        """Replay up to the head in the caller's thread (tests, tools): no live following."""
        self.open_followers()
        if self.upgrade is not None:
            self.upgrade.rebuild_once()
            self._follow_switches()
        replay(self.log, self.followers)
        self._catalog_checked = 0.0
        self._round_done()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        for thread in (self._thread, self._upgrade_thread):
            if thread is not None:
                thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def _follower_on_active_version(self, projector: type[Projector]) -> ProjectorFollower:
        store, version = serving_version(self.read_store, projector)
        return follower_on(projector, store, version)

    # The loop.

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                replay(self.log, self.followers, progress=lambda _: self._round_done(), should_stop=self._stopping.is_set)
                self._round_done()
                self._follow()
            except Exception:  # noqa: BLE001 - the log or store is unreachable: try again shortly
                logger.exception("background: follow loop failed; retrying")
                self._stopping.wait(RETRY_S)
        self._final_commit()
        self._stop_consumers()

    def _running(self) -> list[RunningConsumer]:
        return [c for c in self.consumers if isinstance(c, RunningConsumer)]

    def _stop_consumers(self) -> None:
        for consumer in self._running():
            try:
                consumer.stop()
            except Exception:  # noqa: BLE001 - the others stop all the same
                logger.exception("background: %s did not stop cleanly", consumer.name)

    def _follow(self) -> None:
        """Fold what the subscription delivers, until some follower needs events it did not get."""
        resets = self._resets()
        delivered = min((f.pending for f in ready(self.followers)), default=self.log.head())
        feed, stalled = LiveFeed(self.log, after=delivered), 0
        try:
            while not self._stopping.is_set():
                notifications = feed.take(FOLLOW_BATCH, timeout=POLL_S)
                active = ready(self.followers)
                if self._resets() != resets or any(f.pending < delivered for f in active):
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

    def _resets(self) -> list[tuple[Follower, int]]:
        return [(f, f.resets) for f in self.followers]

    def _round_done(self) -> None:
        with self._changed:
            self._changed.notify_all()
        if time.monotonic() - self._catalog_checked >= CATALOG_CHECK_S:
            self._catalog_checked = time.monotonic()
            self._follow_switches()

    def _follow_switches(self) -> None:
        for index, follower in enumerate(self.followers):
            if not isinstance(follower, ProjectorFollower):
                continue
            active = self.read_store.active_version(follower.name)
            if active is None or active == follower.version:
                continue
            try:
                store = self.read_store.open(follower.name, active, follower.projector_type.collections)
            except VersionGone:
                continue
            logger.info("projections: %s switched to version %s", follower.name, active)
            self.followers[index] = ProjectorFollower(follower.projector_type, store, active)
            self.read_store.release(follower.name, follower.version)
        self._hold_readers()

    def _hold_readers(self) -> None:
        """A consumer that reads a projection being rebuilt in another shape takes no event until
        the switch: it would act on the old shape, or on a mix. It then resumes from its position."""
        rebuilding = {f.name for f in self.followers if f.rebuilding}
        for follower in self.followers:
            if isinstance(follower, ConsumerFollower):
                waited = follower.waiting_for
                follower.waiting_for = tuple(name for name in follower.reads if name in rebuilding)
                if waited and not follower.waiting_for:
                    logger.info("background: %s resumes from position %d after the rebuild", follower.name,
                                follower.pending)

    def _final_commit(self) -> None:
        for follower in ready(self.followers):
            try:
                follower.commit(force=True)
            except Exception:  # noqa: BLE001 - what is lost is folded again at the next start
                logger.exception("background: final commit of %s failed", follower.name)

    # What queries and operators see.

    def processed_position(self) -> int:
        """A consumer waiting for a rebuild does not hold read-your-writes back: queries read the
        projections, which go on."""
        return min((f.visible for f in self.followers if not f.waiting_for), default=0)

    def wait_for(self, position: int, timeout: float = 5.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.processed_position() >= position, timeout):
                raise StaleReadModel(f"read models have not reached position {position} within {timeout:g} s")

    def statuses(self) -> list[ConsumerStatus]:
        head = self.log.head()
        return [status_of(f, head, self.running, self.start_head) for f in self.followers]
