"""How far the projectors have got, as the read models see it (read-your-writes, status, lag).

Two kinds of Progress: the ProjectionSupervisor, when the projectors run in this process (it
knows what each worker has made visible), and StoredProgress, when they run in another one: it
reads the positions they committed to the read store. That is enough, because a projector
following the log live commits its position after every batch (pump.fold, "live").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Protocol

from hubbub.application.read_models import StaleReadModel

from .log import EventLog
from .projector import Projector
from .status import ProjectionStatus
from .store import ReadStore, StoredVersion, VersionGone

POLLS_S = (0.001, 0.002, 0.005, 0.01)  # a wait's pauses between readings, the last one repeated
SHARED_S = 0.002  # a reading this recent serves every query: waiting ones do not multiply them


class Progress(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def processed_position(self) -> int: ...

    def wait_for(self, position: int, timeout: float = 5.0) -> None: ...

    def statuses(self) -> list[ProjectionStatus]: ...


class Runner(Protocol):
    """Projectors in another process that this one starts, stops and watches (a child process)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def is_alive(self) -> bool: ...

    def state_of(self, name: str) -> tuple[str, str | None]:
        """(state, error) of one projection as the runner last heard it; stopped when it is not alive."""


def serving_version(read_store: ReadStore, projector: type[Projector]) -> tuple[StoredVersion, int]:
    """The projection's serving version, created empty (as version 1) when there is none."""
    version = read_store.active_version(projector.name)
    store = read_store.open(projector.name, version or 1, projector.collections, create=True)
    if version is None:
        read_store.activate({projector.name: 1})
    return store, version or 1


class StoredProgress:
    """Progress of projectors running elsewhere: started by `runner`, or by the operator (None)."""

    def __init__(self, log: EventLog, read_store: ReadStore, projectors: Sequence[type[Projector]],
                 runner: Runner | None = None):
        self.log = log
        self.read_store = read_store
        self.projectors = list(projectors)
        self.runner = runner
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

    def statuses(self) -> list[ProjectionStatus]:
        head = self.log.head()
        return [ProjectionStatus(name, version, position, head, *self._state_of(name))
                for name, (version, position) in self._read().items()]

    def _state_of(self, name: str) -> tuple[str, str | None]:
        if self.runner is None:
            return "external", None  # run by the operator: this process cannot see whether it runs
        return self.runner.state_of(name)

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
