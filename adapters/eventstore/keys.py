"""Per-user data keys, kept apart from the events: destroying one is how a user's data is erased.

The embedded store is a SQLite file of its own (`$HUBBUB_DATA_DIR/personal-keys.sqlite3`): the
event store never holds a key. A destroyed key leaves a tombstone, so that nothing written for
that user afterwards is encrypted under a fresh key that would make it readable again.
Keys are remembered for KEY_CACHE_TTL_S: a process that misses an erasure's event (a web worker
that only writes) reads the tombstone within that time; one that reads the erasure event
forgets the key at once.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
KEY_CACHE_TTL_S = 5.0
KEY_CACHE_LIMIT = 100_000


class KeyStore:
    def __init__(self, path: Path, clock=time.monotonic):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS subject_keys "
                           "(subject TEXT PRIMARY KEY, key BLOB, erased_at REAL)")
        self._lock = threading.Lock()
        self._cache: dict[UUID, tuple[AESGCM | None, float]] = {}
        self._clock = clock

    def key_for_writing(self, subject: UUID) -> AESGCM | None:
        """The subject's key (as a cipher), made on first use; None once it has been destroyed."""
        cached = self._cached(subject)
        if cached is not None:
            return cached[0]
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO subject_keys (subject, key) VALUES (?, ?)",
                               (str(subject), os.urandom(KEY_BYTES)))
        return self._read(subject)

    def key_for_reading(self, subject: UUID) -> AESGCM | None:
        cached = self._cached(subject)
        return cached[0] if cached is not None else self._read(subject)

    def destroy(self, subject: UUID) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO subject_keys (subject, key, erased_at) VALUES (?, NULL, ?) "
                "ON CONFLICT(subject) DO UPDATE SET key = NULL, erased_at = excluded.erased_at",
                (str(subject), time.time()))
        self.forget(subject)

    def forget(self, subject: UUID) -> None:
        self._cache.pop(subject, None)

    def close(self) -> None:
        self._conn.close()

    def _cached(self, subject: UUID) -> tuple[AESGCM | None] | None:
        found = self._cache.get(subject)
        if found is None or self._clock() - found[1] > KEY_CACHE_TTL_S:
            return None
        return (found[0],)

    def _read(self, subject: UUID) -> AESGCM | None:
        with self._lock:
            row = self._conn.execute("SELECT key FROM subject_keys WHERE subject = ?", (str(subject),)).fetchone()
        cipher = AESGCM(row[0]) if row and row[0] else None
        if len(self._cache) >= KEY_CACHE_LIMIT:
            self._cache.clear()
        self._cache[subject] = (cipher, self._clock())
        return cipher
