"""How far the consumers have got, as the read models see it (read-your-writes, status, lag).

Two kinds of Progress: LocalProgress, when the background host runs in a thread of this process
(its supervisor knows what each follower has made visible), and StoredProgress, when it runs in
another process: it reads the positions the projectors committed to the read store, which is
enough because a projector following the log live commits its position after every batch
(pump.fold, "live"), and each consumer's state from the background lease's record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Protocol

from hubbub.application.read_models import StaleReadModel

from ..projector import Projector
from ..store import ReadStore, VersionGone
from .host import BackgroundHost
from .lease import HEARTBEAT_S, SILENT_S, BackgroundLease, LeaseRecord
from .log import EventLog
from .status import ConsumerStatus
from .supervisor import serving_version

POLLS_S = (0.001, 0.002, 0.005, 0.01)  # a wait's pauses between readings, the last one repeated
SHARED_S = 0.002  # a reading this recent serves every query: waiting ones do not multiply them


class Progress(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def processed_position(self) -> int: ...

    def wait_for(self, position: int, timeout: float = 5.0) -> None: ...

    def statuses(self) -> list[ConsumerStatus]: ...

    def holder(self) -> LeaseRecord | None:
        """The background lease as stored: who holds it, and its last heartbeat."""


class Runner(Protocol):
    """The background host in another process that this one starts and stops (a child process)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def is_alive(self) -> bool: ...


class StoredProgress:
    """Progress of consumers running elsewhere: started by `runner`, or by the operator (None)."""

    def __init__(self, log: EventLog, read_store: ReadStore, projectors: Sequence[type[Projector]],
                 lease: BackgroundLease, runner: Runner | None = None):
        self.log = log
        self.read_store = read_store
        self.projectors = list(projectors)
        self.lease = lease
        self.runner = runner
        self.silent_s = SILENT_S
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._positions: dict[str, tuple[int, int]] = {}  # name -> (version, position)

    def start(self) -> None:
        # Queries find an (empty) serving version at once, as when the projectors run here.
        for projector in self.projectors:
            serving_version(self.read_store, projector)
        if self.runner is not None:
            self.runner.start()

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()

    def processed_position(self) -> int:
        return min((position for _, position in self._read().values()), default=0)

    def wait_for(self, position: int, timeout: float = 5.0) -> None:
        deadline, polls = time.monotonic() + timeout, 0
        while self.processed_position() < position:
            if time.monotonic() >= deadline:
                raise StaleReadModel(f"read models have not reached position {position} within {timeout:g} s")
            time.sleep(POLLS_S[min(polls, len(POLLS_S) - 1)])
            polls += 1

    def statuses(self) -> list[ConsumerStatus]:
        """Positions from the store, states from the lease's record (its holder's last beat)."""
        head, positions, record = self.log.head(), self._read(), self.lease.record()
        if record is None or record.expired:
            state, error = self._without_holder()
        elif record.silent_s >= self.silent_s:
            state, error = "stopped", f"the background host {record.holder} has not reported for {record.silent_s:.0f} s"
        else:
            return _reported(record, positions, head)
        return [ConsumerStatus(name, version, position, head, state, error)
                for name, (version, position) in positions.items()]

    def holder(self) -> LeaseRecord | None:
        return self.lease.record()

    def _without_holder(self) -> tuple[str, str | None]:
        if self.runner is not None and self.runner.is_alive():
            return "starting", None  # the child is taking the lease
        return "stopped", "no background host holds the lease"

    def _read(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            if time.monotonic() - self._read_at >= SHARED_S:
                self._positions = {p.name: self._stored(p) for p in self.projectors}
                self._read_at = time.monotonic()
            return self._positions

    def _stored(self, projector: type[Projector]) -> tuple[int, int]:
        version = self.read_store.active_version(projector.name)
        if version is None:
            return 0, 0
        previous = self._positions.get(projector.name, (version, 0))[0]
        if previous not in (0, version):  # switched by a rebuild: let go of the old file
            self.read_store.release(projector.name, previous)
        try:
            return version, self.read_store.open(projector.name, version, projector.collections).position()
        except VersionGone:  # switched again meanwhile: the next reading will find the new one
            return version, 0


def _reported(record: LeaseRecord, positions: dict[str, tuple[int, int]], head: int) -> list[ConsumerStatus]:
    """Each consumer as its holder reported it; a projector's position as stored (fresher)."""
    reported = {s.name: s for s in record.consumers}
    statuses = []
    for name in [*positions, *(n for n in reported if n not in positions)]:
        status = reported.get(name)
        version, position = positions.get(name) or (status.version, status.position)
        state, error = (status.state, status.error) if status else ("starting", None)
        statuses.append(ConsumerStatus(name, version, position, head, state, error))
    return statuses


class LocalProgress:
    """Progress of the background host running in a thread of this process (HUBBUB_PROJECTIONS=thread):
    its supervisor answers while it holds the lease; the stored positions otherwise (standby)."""

    def __init__(self, host: BackgroundHost, stored: StoredProgress):
        self.host = host
        self.stored = stored
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._caught_up = None

    def start(self) -> None:
        self.stored.start()
        self.host.tick()  # holding the lease from the start: queries see the supervisor at once
        self._thread = threading.Thread(target=self._beat, name="hubbub-background-beat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stopping.wait(HEARTBEAT_S):
            self.host.tick()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        self.host.stop()

    def catch_up(self) -> None:
        """Replay up to the head in the caller's thread (tests, tools): no lease, no live following."""
        if self._caught_up is None:
            self._caught_up = self.host.new_supervisor()
        self._caught_up.catch_up()

    def _answering(self):
        supervisor = self.host.supervisor
        if supervisor is not None and supervisor.running:
            return supervisor
        return self._caught_up

    def processed_position(self) -> int:
        answering = self._answering()
        return answering.processed_position() if answering else self.stored.processed_position()

    def wait_for(self, position: int, timeout: float = 5.0) -> None:
        answering = self._answering()
        (answering or self.stored).wait_for(position, timeout)

    def holder(self) -> LeaseRecord | None:
        return self.stored.holder()

    def statuses(self) -> list[ConsumerStatus]:
        if self.host.held:
            return self.host.statuses()
        if self._caught_up is not None:
            return self._caught_up.statuses()
        return self.stored.statuses()
