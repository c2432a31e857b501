"""Signals between the processes of one host, without Redis: rows in the host's signal file.

Publishing appends a row; every process's listener polls for rows past the last id it saw and
hands each to every handler once, in id order, the publisher's own process included (as with
Redis pub/sub). A listener starts at the current tail: nothing is replayed. Rows older than
`keep_s` are pruned; a process that falls further behind than that misses them, as it would
miss a signal while down. Idle polls only read `PRAGMA data_version`, which changes when
another connection commits; the process's own publishes wake its listener directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import msgspec

from .bus import Handler, handled
from .sqlite_file import SignalFile, writing
from .stopping import stopped

log = logging.getLogger(__name__)
POLL_S = 0.02
KEEP_S = 60.0
PRUNE_EVERY_S = 10.0
BATCH = 500
Row = tuple[int, str, bytes]


class SqliteBus:
    def __init__(self, file: SignalFile, poll_s: float = POLL_S, keep_s: float = KEEP_S,
                 clock: Callable[[], float] = time.time):
        self.file, self.poll_s, self.keep_s, self.clock = file, poll_s, keep_s, clock
        self._handlers: list[Handler] = []
        self._task: asyncio.Task | None = None
        self._woken = asyncio.Event()
        self._seen = 0  # the last id handed to the handlers
        self._news = _News()

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self._handlers.remove(handler)

    async def publish(self, kind: str, payload: dict[str, Any]) -> None:
        await self.file.run(self._news.append, kind, msgspec.json.encode(payload), self.clock())
        self._woken.set()

    async def start(self) -> None:
        """Listens from the current tail on."""
        self._seen = await self.file.run(_tail)
        self._task = asyncio.create_task(self._listen())

    async def close(self) -> None:
        """Stops listening and closes the file (the presence store on it too, as the last user)."""
        await stopped(self._task)
        await self.file.close()

    async def prune(self) -> int:
        """Drops the signals older than `keep_s`; returns how many."""
        return await self.file.run(_prune, self.clock() - self.keep_s)

    async def _listen(self) -> None:
        pruned_at = 0.0
        while True:
            self._woken.clear()
            rows = await self._read()
            await self._hand_over(rows)
            if time.monotonic() - pruned_at >= PRUNE_EVERY_S:
                pruned_at = time.monotonic()
                with contextlib.suppress(sqlite3.Error):  # another process prunes too
                    await self.prune()
            if len(rows) < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), self.poll_s)

    async def _read(self) -> list[Row]:
        try:
            return await self.file.run(self._news.after, self._seen)
        except sqlite3.Error:  # the file is locked or away: try again at the next poll
            log.warning("signal bus could not read the signal file", exc_info=True)
            return []

    async def _hand_over(self, rows: list[Row]) -> None:
        for row_id, kind, payload in rows:
            self._seen = row_id
            signal = msgspec.json.decode(payload)
            for handler in list(self._handlers):
                await handled(handler, kind, signal)


class _News:
    """Whether the file may hold unseen rows; used on the file's thread only."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.more = True  # a batch came back full, or this process wrote

    def append(self, db: sqlite3.Connection, kind: str, payload: bytes, at: float) -> None:
        db.execute("INSERT INTO signals (kind, payload, at) VALUES (?, ?, ?)", (kind, payload, at))
        self.more = True  # this connection's own commits do not move its data_version

    def after(self, db: sqlite3.Connection, seen: int) -> list[Row]:
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if version == self.version and not self.more:
            return []
        self.version = version
        rows = db.execute("SELECT id, kind, payload FROM signals WHERE id > ? ORDER BY id LIMIT ?",
                          (seen, BATCH)).fetchall()
        self.more = len(rows) == BATCH
        return rows


def _tail(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'signals'").fetchone()
    return row[0] if row else 0


def _prune(db: sqlite3.Connection, before: float) -> int:
    with writing(db):
        return db.execute("DELETE FROM signals WHERE at < ?", (before,)).rowcount
