"""The background lease and the consumers' positions on the embedded read store: one SQLite
file (background.sqlite3) beside the read models, shared by the processes of one host.

A beat is one IMMEDIATE transaction: read the lease, decide, write; so two processes never
both take it. Expiry is judged by this host's clock (all its callers share it), and a holder
whose process is gone (the owner names its host and pid) is free at once, so a standby takes
over within a heartbeat of the holder's death, as the kernel's flock used to allow.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from hubbub.projections.runtime.lease import LeaseRecord, owner_process
from hubbub.projections.runtime.status import ConsumerStatus
from hubbub.projections.store import PositionConflict

from .sqlite_version import connect

FILE = "background.sqlite3"
TTL_S = 5.0  # a hung holder (alive, silent) is taken over after this long
MAX_ERROR_CHARS = 300


class SQLiteBackground:
    """Both the lease (BackgroundLease) and the positions (ConsumerPositions): one file, one connection."""

    ttl_s = TTL_S

    def __init__(self, directory: Path, clock=time.time):
        self._conn = connect(Path(directory) / FILE)
        self._lock = threading.Lock()
        self._clock = clock
        self._conn.execute("CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, "
                           "heartbeat_at REAL NOT NULL, expires_at REAL NOT NULL, consumers TEXT NOT NULL)")
        self._conn.execute("CREATE TABLE IF NOT EXISTS positions (name TEXT PRIMARY KEY, position INTEGER NOT NULL)")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    # The lease.

    def beat(self, owner: str, consumers: Sequence[ConsumerStatus]) -> bool:
        with self._transaction():
            row = self._conn.execute("SELECT owner, expires_at FROM lease WHERE id = 1").fetchone()
            now = self._clock()
            if row is not None and row[0] != owner and not _free(row[0], row[1], now):
                return False
            self._conn.execute("INSERT OR REPLACE INTO lease VALUES (1, ?, ?, ?, ?)",
                               (owner, now, now + self.ttl_s, _encoded(consumers)))
            return True

    def release(self, owner: str) -> None:
        with self._transaction():
            self._conn.execute("DELETE FROM lease WHERE id = 1 AND owner = ?", (owner,))

    def record(self) -> LeaseRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT owner, heartbeat_at, expires_at, consumers FROM lease WHERE id = 1").fetchone()
        if row is None:
            return None
        owner, heartbeat_at, expires_at, consumers = row
        now = self._clock()
        return LeaseRecord(owner, datetime.fromtimestamp(heartbeat_at, UTC), max(0.0, now - heartbeat_at),
                           _free(owner, expires_at, now), _decoded(consumers))

    # The positions.

    def position(self, name: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT position FROM positions WHERE name = ?", (name,)).fetchone()
        return row[0] if row else 0

    def commit(self, name: str, expected: int, position: int) -> None:
        with self._transaction():
            row = self._conn.execute("SELECT position FROM positions WHERE name = ?", (name,)).fetchone()
            if (row[0] if row else 0) != expected:
                raise PositionConflict(f"consumer {name}: position is not {expected}")
            self._conn.execute("INSERT OR REPLACE INTO positions VALUES (?, ?)", (name, position))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _free(owner: str, expires_at: float, now: float) -> bool:
    return expires_at <= now or _gone(owner)


def _gone(owner: str) -> bool:
    """Whether the owner names a process of this host that no longer exists."""
    process = owner_process(owner)
    if process is None or process[0] != socket.gethostname():
        return False
    try:
        os.kill(process[1], 0)
    except OSError as error:
        return error.errno == errno.ESRCH
    return False


def _encoded(consumers: Sequence[ConsumerStatus]) -> str:
    return json.dumps([{**asdict(s), "error": (s.error or "")[:MAX_ERROR_CHARS] or None} for s in consumers])


def _decoded(consumers: str) -> tuple[ConsumerStatus, ...]:
    return tuple(ConsumerStatus(**s) for s in json.loads(consumers))
