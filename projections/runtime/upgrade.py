"""Read models built in another shape than this release writes, rebuilt when the background host starts.

Each projector declares the shape of its documents (Projector.shape) and each version records
the shape it was created in. A version created before versions recorded one holds
UNRECORDED_SHAPE ("1"): every projector's first shape, so only the inbox's older versions, from
before broadcast audiences became one document per (audience, user) (shape "2"), are stale.

The host that takes the background lease rebuilds every projection whose serving version is in
another shape, all in one replay (runtime/rebuild: fresh versions filled while the old ones
answer queries, then one switch). Until the switch an old version is held as it is: no event is
folded into documents of a shape this release does not write, and its position holds
read-your-writes (and the digest engine, which reads the inbox) back rather than answering from
the old shape as if up to date. The supervisor moves onto the new version when the catalog
switches, as after any rebuild.
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


class HeldFollower(ProjectorFollower):
    """A projection waiting for its rebuild: it takes part in no round, so its version stays as
    it is and its position stays where it was."""

    rebuilding = True

    @property
    def due(self) -> bool:
        return False


def follower_on(projector: type[Projector], store: StoredVersion, version: int) -> ProjectorFollower:
    """A follower of the serving version, or one held back when that version is in another shape."""
    built = built_shape(store)
    if built == projector.shape:
        return ProjectorFollower(projector, store, version)
    logger.warning("projections: %s v%d was built in shape %s and this release writes shape %s: rebuilding it "
                   "into a fresh version; v%d answers queries meanwhile and takes no more events",
                   projector.name, version, built, projector.shape, version)
    return HeldFollower(projector, store, version)


class ShapeUpgrade:
    """Rebuilds the held projections once, together."""

    def __init__(self, log: EventLog, read_store: ReadStore, held: Sequence[HeldFollower],
                 stopping: threading.Event, grace_s: float = 2.0):
        self.log, self.read_store, self.held = log, read_store, list(held)
        self.stopping, self.grace_s = stopping, grace_s
        self.names = ", ".join(f.name for f in self.held)
        self.done = False
        self._reported_at = time.monotonic()

    def run(self) -> None:
        """Until rebuilt or stopping; a failed attempt is logged and made again after RETRY_S."""
        while not self.done and not self.stopping.is_set():
            try:
                self.rebuild_once()
            except Exception as error:  # noqa: BLE001 - reported on the held projections, then retried
                if self.stopping.is_set():
                    logger.info("projections: rebuild of %s interrupted; the next holder of the lease starts it again",
                                self.names)
                    return
                for follower in self.held:
                    follower.error = error
                logger.exception("projections: rebuild of %s failed; trying again in %.0f s", self.names, RETRY_S)
                self.stopping.wait(RETRY_S)

    def rebuild_once(self) -> None:
        if self.done:
            return
        started = time.monotonic()
        versions = rebuild(self.log, self.read_store, [f.projector_type for f in self.held], progress=self._report,
                           grace_s=self.grace_s, should_stop=self.stopping.is_set)
        self.done = True
        logger.info("projections: rebuilt in %.1f s, now serving %s", time.monotonic() - started,
                    ", ".join(f"{name} v{version}" for name, version in versions.items()))

    def _report(self, reached: int, head: int) -> None:
        if time.monotonic() - self._reported_at >= PROGRESS_EVERY_S:
            self._reported_at = time.monotonic()
            logger.info("projections: rebuilding %s: %s of %s events", self.names, f"{reached:,}", f"{head:,}")
