"""One projection worker per embedded read store at a time; the others wait on standby.

Two workers folding into one read store would not corrupt it (positions move by compare and
set: the loser gets PositionConflict), but they would do all the work twice and fail half of
it. With several `hubbub serve` processes on one data directory, each starts a projection
child: the first to take the lock projects, the others report `standby` (ready: the read
models are served) and take over within REPORT_EVERY_S of the holder's death, since the
kernel drops a dead process's flock.

A MongoDB read store is shared across hosts, so its lock is a lease document instead
(projection_lease.MongoLease), with the same methods.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

from .settings import Settings

LOCK_FILE = "projections.lock"


class WorkerLock(Protocol):
    def try_acquire(self) -> bool: ...

    def renew(self) -> bool:
        """On each tick of the holder: False once it may no longer project."""

    def holder(self) -> str: ...

    def release(self) -> None: ...


class ProjectionLock:
    """An exclusive, non-blocking flock on a file in the read store's directory."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for an operator looking
        self._fd = fd
        return True

    def renew(self) -> bool:
        return self.held  # the kernel drops a flock only with its holder

    def holder(self) -> str:
        """Who holds the lock, for the log: the pid its holder wrote, and where."""
        try:
            pid = self.path.read_text().strip() or "unknown"
        except OSError:
            pid = "unknown"
        return f"process {pid} holds {self.path}"

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def projection_lock(settings: Settings) -> WorkerLock:
    if settings.read_store_url:
        from .projection_lease import mongo_lease

        return mongo_lease(settings.read_store_url)
    return ProjectionLock(Path(settings.data_dir) / "readmodels" / LOCK_FILE)
