"""Who is online on this host, without Redis: the presence store in the host's signal file.

The same rules as RedisPresenceStore (presence_store.py), in tables: each process counts its
sockets per user (a row stays at zero, so the sweep knows whom the process had), heartbeats
in `presence_alive`, and each user's state with when they were last seen. Every change is one
write transaction, so processes never interleave halfway.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable

import msgspec

from .presence_store import STALE_S, PresenceState
from .sqlite_file import SignalFile, writing


class SqlitePresenceStore:
    def __init__(self, file: SignalFile, stale_s: float = STALE_S, clock: Callable[[], float] = time.time):
        self.file, self.stale_s, self.clock = file, stale_s, clock
        self.process_id = uuid.uuid4().hex

    async def connected(self, user_id: str) -> bool:
        """Counts the socket; True when this took the user online."""
        return await self.file.run(_connect, self.process_id, user_id)

    async def disconnected(self, user_id: str) -> None:
        await self.file.run(_disconnect, self.process_id, user_id)

    async def settle(self, user_id: str) -> bool:
        """Takes the user offline unless a live process counts a socket of theirs; True if it did."""
        return await self.file.run(_settle, user_id, self.clock(), self.stale_s)

    async def states(self, user_ids: list[str]) -> list[PresenceState]:
        found = dict(await self.file.run(_states, msgspec.json.encode(user_ids).decode()))
        now = self.clock()
        return [_state(user_id, found.get(user_id), now) for user_id in user_ids]

    async def heartbeat(self) -> None:
        await self.file.run(_beat, self.process_id, self.clock())

    async def sweep(self) -> list[str]:
        """Drops the sockets of dead processes; returns the users that took offline."""
        return await self.file.run(_sweep, self.clock(), self.stale_s)

    async def close(self) -> None:
        """A process that stops is dead at once: the next sweep elsewhere settles its users.
        The file stays open for the bus, which closes it."""
        await self.file.run(_beat, self.process_id, 0.0)


def _connect(db: sqlite3.Connection, process_id: str, user_id: str) -> bool:
    with writing(db):
        db.execute("INSERT INTO presence_sockets VALUES (?, ?, 1) "
                   "ON CONFLICT DO UPDATE SET sockets = sockets + 1", (user_id, process_id))
        return db.execute("INSERT INTO presence_state (user_id, online) VALUES (?, 1) "
                          "ON CONFLICT DO UPDATE SET online = 1 WHERE online = 0", (user_id,)).rowcount == 1


def _disconnect(db: sqlite3.Connection, process_id: str, user_id: str) -> None:
    with writing(db):
        db.execute("UPDATE presence_sockets SET sockets = max(sockets - 1, 0) WHERE user_id = ? AND process_id = ?",
                   (user_id, process_id))


def _settle(db: sqlite3.Connection, user_id: str, now: float, stale_s: float) -> bool:
    with writing(db):
        return _settled(db, user_id, now, stale_s)


def _settled(db: sqlite3.Connection, user_id: str, now: float, stale_s: float) -> bool:
    counted = db.execute("SELECT 1 FROM presence_sockets JOIN presence_alive USING (process_id) "
                         "WHERE user_id = ? AND sockets > 0 AND beat > ? LIMIT 1", (user_id, now - stale_s)).fetchone()
    if counted:
        return False
    return db.execute("UPDATE presence_state SET online = 0, last_seen = ? WHERE user_id = ? AND online = 1",
                      (now, user_id)).rowcount == 1


def _states(db: sqlite3.Connection, user_ids: str) -> list[tuple[str, tuple[int, float | None]]]:
    rows = db.execute("SELECT user_id, online, last_seen FROM presence_state "
                      "WHERE user_id IN (SELECT value FROM json_each(?))", (user_ids,)).fetchall()
    return [(user_id, (online, last_seen)) for user_id, online, last_seen in rows]


def _beat(db: sqlite3.Connection, process_id: str, at: float) -> None:
    with writing(db):
        db.execute("INSERT INTO presence_alive VALUES (?, ?) ON CONFLICT DO UPDATE SET beat = excluded.beat",
                   (process_id, at))


def _sweep(db: sqlite3.Connection, now: float, stale_s: float) -> list[str]:
    went_offline = []
    with writing(db):
        dead = [row[0] for row in db.execute("SELECT process_id FROM presence_alive WHERE beat <= ?", (now - stale_s,))]
        for process_id in dead:
            users = [row[0] for row in db.execute("SELECT user_id FROM presence_sockets WHERE process_id = ?",
                                                  (process_id,))]
            db.execute("DELETE FROM presence_sockets WHERE process_id = ?", (process_id,))
            went_offline += [user_id for user_id in users if _settled(db, user_id, now, stale_s)]
            db.execute("DELETE FROM presence_alive WHERE process_id = ?", (process_id,))
    return went_offline


def _state(user_id: str, found: tuple[int, float | None] | None, now: float) -> PresenceState:
    online, last_seen = found or (0, None)
    return PresenceState(user_id, bool(online), now if online else last_seen)
