"""The background host: runs every log consumer while it holds the background lease, and waits
on standby while another process holds it.

Called every HEARTBEAT_S (tick): the beat records each consumer's status with the lease, so
every process reads the same state. A holder whose beat is refused stops at once; one whose
beat fails (the store unreachable) goes on while its last confirmed beat still covers it, then
stops: it can no longer know that it holds the lease.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from .lease import BackgroundLease, new_owner
from .status import ConsumerStatus
from .supervisor import Supervisor

logger = logging.getLogger(__name__)


class BackgroundHost:
    def __init__(self, lease: BackgroundLease, new_supervisor: Callable[[], Supervisor], names: Sequence[str],
                 owner: str | None = None, clock: Callable[[], float] = time.monotonic):
        self.lease = lease
        self.owner = owner or new_owner()
        self.names = list(names)
        self.new_supervisor = new_supervisor
        self._clock = clock
        self.supervisor: Supervisor | None = None
        self._confirmed_at: float | None = None  # our clock, before the last beat the store accepted
        self._said_standby = False

    @property
    def held(self) -> bool:
        return self._confirmed_at is not None

    @property
    def started(self) -> bool:
        return self.supervisor is not None

    def tick(self) -> None:
        self._beat()
        if self.held and not self.started:
            # A fresh supervisor each time: a stopped one does not restart, and a successor may
            # have moved the positions meanwhile.
            self.supervisor = self.new_supervisor()
            self.supervisor.start()
            self._said_standby = False
            logger.info("background: running every consumer as %s", self.owner)
        elif not self.held and self.started:
            logger.warning("background: lease lost by %s; its consumers stop", self.owner)
            self._stop_supervisor()
        elif not self.held and not self._said_standby:
            record = self.lease.record()
            logger.info("background: standby as %s; %s holds the lease", self.owner,
                        record.holder if record else "nobody")
            self._said_standby = True

    def _beat(self) -> None:
        sent = self._clock()  # before the store's clock stamps it: our idea of expiry is never the later
        try:
            taken = self.lease.beat(self.owner, self._report())
        except Exception as error:  # noqa: BLE001 - unknown outcome: keep what the last beat covers
            logger.warning("background: could not beat the lease (%s)", error)
            if self.held and sent - self._confirmed_at >= self.lease.ttl_s:
                self._confirmed_at = None
            return
        self._confirmed_at = sent if taken else None

    def statuses(self) -> list[ConsumerStatus]:
        if self.supervisor is not None and self.supervisor.running:
            return self.supervisor.statuses()
        return self._all("starting" if self.held else "standby")

    def _report(self) -> list[ConsumerStatus]:
        """What a beat records: written only when it holds the lease, so never "standby"."""
        if self.supervisor is not None and self.supervisor.running:
            return self.supervisor.statuses()
        return self._all("starting")

    def _all(self, state: str) -> list[ConsumerStatus]:
        return [ConsumerStatus(name, 0, 0, 0, state) for name in self.names]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the consumers (they commit what they applied) and give the lease up."""
        self._stop_supervisor(timeout)
        if self.held:
            self._confirmed_at = None
            try:
                self.lease.release(self.owner)
            except Exception as error:  # noqa: BLE001 - it expires by itself
                logger.warning("background: could not release the lease (%s)", error)

    def _stop_supervisor(self, timeout: float = 10.0) -> None:
        if self.supervisor is not None:
            self.supervisor.stop(timeout)
            self.supervisor = None
