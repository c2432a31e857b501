"""Read models built in another shape than this release writes, rebuilt when the background host starts.

Each projector declares the shape of its documents (Projector.shape) and each version records
the shape it was created in. A version created before versions recorded one holds
UNRECORDED_SHAPE ("1"): every projector's first shape, so only the inbox's older versions, from
before broadcast audiences became one document per (audience, user) (shape "2"), are stale.

The host that takes the background lease rebuilds every projection whose serving version is in
another shape, all in one replay (runtime/rebuild: fresh versions filled while the old ones
answer queries, then one switch). Meanwhile the old version goes on following the log, as during
a manual rebuild, and its projection counts as serving: every instance shares the lease's record,
so one that reported itself not ready, or held read-your-writes back, for the whole rebuild would
take the service down on every instance at once. What must not act on the old shape is what reads
it: a log consumer that declares it reads a projection under rebuild (LogConsumer.reads; the
digest engine reads broadcast audiences from the inbox) is fed nothing until the switch, then
resumes from its committed position (the supervisor holds it: Follower.waiting_for). The
supervisor moves onto the new version when the catalog switches, as after any rebuild.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from ..projector import UNRECORDED_SHAPE, Projector
from ..store import ReadStore, StoredVersion
from .follower import ProjectorFollower
from .log import EventLog
from .rebuild import rebuild

logger = logging.getLogger(__name__)
RETRY_S = 30.0
PROGRESS_EVERY_S = 10.0


def built_shape(version: StoredVersion) -> str:
    return version.shape() or UNRECORDED_SHAPE


class RebuildingFollower(ProjectorFollower):
    """Follows a serving version built in another shape while its replacement is rebuilt."""

    rebuilding = True


def follower_on(projector: type[Projector], store: StoredVersion, version: int) -> ProjectorFollower:
    """A follower of the serving version, marked rebuilding when that version is in another shape."""
    built = built_shape(store)
    if built == projector.shape:
        return ProjectorFollower(projector, store, version)
    logger.warning("projections: %s v%d was built in shape %s and this release writes shape %s: rebuilding it "
                   "into a fresh version; v%d answers queries and follows the log meanwhile",
                   projector.name, version, built, projector.shape, version)
    return RebuildingFollower(projector, store, version)


class ShapeUpgrade:
    """Rebuilds the stale projections once, together."""

    def __init__(self, log: EventLog, read_store: ReadStore, stale: Sequence[RebuildingFollower],
                 stopping: threading.Event, grace_s: float = 2.0):
        self.log, self.read_store, self.stale = log, read_store, list(stale)
        self.stopping, self.grace_s = stopping, grace_s
        self.names = ", ".join(f.name for f in self.stale)
        self.done = False
        self._reported_at = time.monotonic()

    def run(self) -> None:
        """Until rebuilt or stopping; a failed attempt is logged and made again after RETRY_S."""
        while not self.done and not self.stopping.is_set():
            try:
                self.rebuild_once()
            except Exception as error:  # noqa: BLE001 - reported on the stale projections, then retried
                if self.stopping.is_set():
                    logger.info("projections: rebuild of %s interrupted; the next holder of the lease starts it again",
                                self.names)
                    return
                for follower in self.stale:
                    follower.error = error
                logger.exception("projections: rebuild of %s failed; trying again in %.0f s", self.names, RETRY_S)
                self.stopping.wait(RETRY_S)

    def rebuild_once(self) -> None:
        if self.done:
            return
        started = time.monotonic()
        versions = rebuild(self.log, self.read_store, [f.projector_type for f in self.stale], progress=self._report,
                           grace_s=self.grace_s, should_stop=self.stopping.is_set)
        self.done = True
        logger.info("projections: rebuilt in %.1f s, now serving %s", time.monotonic() - started,
                    ", ".join(f"{name} v{version}" for name, version in versions.items()))

    def _report(self, reached: int, head: int) -> None:
        if time.monotonic() - self._reported_at >= PROGRESS_EVERY_S:
            self._reported_at = time.monotonic()
            logger.info("projections: rebuilding %s: %s of %s events", self.names, f"{reached:,}", f"{head:,}")
