"""What the pump feeds: one consumer of the log, from its own committed position.

A ProjectorFollower folds events into one stored version of a projector's read model, exactly
once by construction: the batch's documents and the position of the last event folded into
them are committed in one atomic write, and the commit names the position it expects to
replace. So a crash anywhere loses a whole uncommitted batch together with its position (the
events are folded again after a restart), and a second writer on the same version gets
PositionConflict instead of double-counting. After any failure a follower starts again from
what is committed. (consumer.ConsumerFollower feeds a LogConsumer the same way.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import Notification

from ..projector import NeedsCommit, Projector
from ..store import StoredVersion
from .batch import Batch

logger = logging.getLogger(__name__)
MAX_DIRTY = 5_000  # bounds a commit unless the store says otherwise (`max_batch_docs`)
POSITION_ONLY_GAP = 1_000  # how far the stored position may trail when nothing changed
COMMIT_EVERY_S = 2.0  # during replay: larger commits rewrite busy documents fewer times
BULK_MAX_DIRTY = 1_000_000  # a rebuild writes each document once, unless memory says otherwise
MAX_FAILURES = 5  # in a row: from then on the consumer reports itself stopped (and keeps retrying)
MAX_BACKOFF_S = 30.0


class Follower:
    """Positions, commits, failures and backoff; subclasses set `name`, `topics` (empty: every
    event), `version`, `max_dirty` and implement _restart, apply, dirty_count and _write."""

    name: str
    topics: tuple[str, ...]
    version: int
    max_dirty: int
    commit_every_s: float | None = COMMIT_EVERY_S
    rebuilding = False  # its version is in another shape, and being replaced (upgrade.RebuildingFollower)
    # The read models under rebuild that this consumer reads: it takes no event until they switch.
    waiting_for: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.failures = 0
        self.retry_at = 0.0
        self.committed_at = time.monotonic()
        self.resets = 0
        self.error: BaseException | None = None
        self.broken = False
        self.reset()

    def reset(self) -> None:
        """Forget everything uncommitted and continue from the stored position."""
        self.resets += 1
        self.broken = True  # until the stored position has been read again
        self._restart()
        self.pending = self.committed  # last event applied (or seen and skipped)
        self.visible = self.committed  # what is stored reflects every event up to here
        self.broken = False

    def _restart(self) -> None:
        raise NotImplementedError

    @property
    def dirty_count(self) -> int:
        raise NotImplementedError

    def apply(self, notification: Notification, event: Any, metadata: Mapping[str, str | None]) -> None:
        raise NotImplementedError

    def prefetch(self, events: list[tuple[str, Any]]) -> None:
        """Load at once what applying these (topic, event) pairs will read; nothing by default."""

    def _write(self) -> None:
        """Store what was applied since the last commit, with the position `pending`."""
        raise NotImplementedError

    @property
    def stopped(self) -> bool:
        return self.failures >= MAX_FAILURES

    @property
    def due(self) -> bool:
        """Not waiting out the backoff after a failure."""
        return time.monotonic() >= self.retry_at

    def skip_to(self, position: int) -> None:
        """Events up to `position` that this follower does not take have been seen."""
        self.pending = max(self.pending, position)

    @property
    def full(self) -> bool:
        return self.dirty_count >= self.max_dirty

    @property
    def commit_due(self) -> bool:
        if self.full:
            return True
        return self.commit_every_s is not None and time.monotonic() - self.committed_at >= self.commit_every_s

    def commit(self, force: bool = False) -> None:
        """Write what was applied and the position; with nothing applied, write the position only
        when forced or when it trails far enough that a restart would re-read too much."""
        behind = self.pending - self.committed
        if self.dirty_count or (behind and (force or behind >= POSITION_ONLY_GAP)):
            self._write()
            self.committed = self.pending
        self.committed_at = time.monotonic()
        self.visible = self.pending
        self.failures = 0

    def fail(self, error: BaseException) -> None:
        self.failures += 1
        self.error = error
        # Backing off lets a store that is failing over come back; a bug fails the same way each time.
        backoff = min(MAX_BACKOFF_S, 0.1 * 2 ** (self.failures - 1))
        self.retry_at = time.monotonic() + backoff
        logger.warning("consumer %s failed (%d in a row); again from its stored position in %.1f s",
                       self.name, self.failures, backoff, exc_info=error)
        self.recover()

    def recover(self) -> None:
        """Reset after a failure; if the store cannot even be read, stay broken until next time."""
        try:
            self.reset()
        except Exception as error:  # noqa: BLE001 - retried before the next round
            self.error = error


class ProjectorFollower(Follower):
    def __init__(self, projector_type: type[Projector], store: StoredVersion, version: int, bulk: bool = False):
        """`bulk`: filling a version nobody reads yet (a rebuild), where a crash means starting
        over anyway: commit only when the batch is very large, and at the end."""
        self.projector_type = projector_type
        self.name = projector_type.name
        self.topics = projector_type.topics()
        self.store = store
        self.max_dirty = (getattr(store, "max_bulk_docs", BULK_MAX_DIRTY) if bulk
                          else getattr(store, "max_batch_docs", MAX_DIRTY))
        self.commit_every_s = None if bulk else COMMIT_EVERY_S
        self.version = version
        super().__init__()

    def _restart(self) -> None:
        self.projector = self.projector_type()
        self.batch = Batch(self.store, self.projector_type.write_once)
        self.committed = self.store.position()

    @property
    def dirty_count(self) -> int:
        return self.batch.dirty_count

    def apply(self, notification: Notification, event: Any, metadata: Mapping[str, str | None] | None = None) -> None:
        handler = self.projector.handlers[notification.topic]
        try:
            handler(event, notification.id, self.batch)
        except NeedsCommit:
            self.commit(force=True)
            handler(event, notification.id, self.batch)
        self.pending = notification.id

    def prefetch(self, events: list[tuple[str, Any]]) -> None:
        wanted: dict[str, list[str]] = {}
        for topic, event in events:
            for collection, doc_id in self.projector.wants(topic, event):
                wanted.setdefault(collection, []).append(doc_id)
        for collection, ids in wanted.items():
            self.batch.prefetch(collection, ids)

    def commit(self, force: bool = False) -> None:
        self.projector.before_commit(self.batch)
        super().commit(force)

    def _write(self) -> None:
        self.store.commit(self.batch.writes(), expected=self.committed, position=self.pending)
        self.batch.committed()
