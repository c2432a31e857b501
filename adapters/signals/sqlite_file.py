"""The host's signal file: one SQLite database shared by every process on the data directory.

Without Redis, the web processes and the background host meet here: the signal bus appends
rows that every process polls, and the presence store counts each process's sockets. Each
process (each SignalFile) has one connection, used by one thread of its own, so no call
blocks the event loop. Nothing opens until the first call.

Signals are ephemeral, so commits are not synced to disk (synchronous=NORMAL under WAL): a
power cut may lose the last signals, as a process that is down misses them anyway, but never
corrupts the file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
FILE_NAME = "signals.sqlite3"
BUSY_TIMEOUT_MS = 5_000
# AUTOINCREMENT: ids never go back, even once pruning has emptied the table, so a subscriber's
# "past the last id I saw" stays right.
SCHEMA = """
CREATE TABLE IF NOT EXISTS signals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload BLOB NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS presence_sockets (
    user_id TEXT NOT NULL, process_id TEXT NOT NULL, sockets INTEGER NOT NULL,
    PRIMARY KEY (user_id, process_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS presence_sockets_by_process ON presence_sockets (process_id);
CREATE TABLE IF NOT EXISTS presence_state (
    user_id TEXT PRIMARY KEY, online INTEGER NOT NULL, last_seen REAL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS presence_alive (process_id TEXT PRIMARY KEY, beat REAL NOT NULL) WITHOUT ROWID;
"""


class SignalFile:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubbub-signals")
        self._db: sqlite3.Connection | None = None
        self._closed = False

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(connection, *args)` on this file's thread."""
        if self._closed:
            raise RuntimeError(f"{self.path} is closed")
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._on_thread, work, *args)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(self._thread, self._disconnect)
        self._thread.shutdown(wait=False)

    def _on_thread(self, work: Callable[..., T], *args: object) -> T:
        if self._db is None:
            self._db = opened(self.path)
        return work(self._db, *args)

    def _disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def opened(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    with writing(db):
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
    return db


@contextmanager
def writing(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the lock at once: a read turned write could not wait for it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
