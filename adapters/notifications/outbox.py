"""The notification engine's durable state, in one SQLite file: what survives a restart.

Digests handed over for delivery (with the log position the engine has read up to, in the same
transaction), each external delivery's status, and each user's channels. Every method blocks:
call it from a thread (`in_thread`). WAL mode lets the web process read while the background
host writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hubbub.application.digests import Digest, delivery_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
  digest_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, items TEXT NOT NULL, state TEXT NOT NULL,
  transactional INTEGER NOT NULL, due_at REAL NOT NULL, sent_at REAL);
CREATE INDEX IF NOT EXISTS digests_by_user ON digests (user_id, state);
CREATE INDEX IF NOT EXISTS digests_by_state ON digests (state, due_at);
CREATE TABLE IF NOT EXISTS deliveries (
  delivery_id TEXT PRIMARY KEY, digest_id TEXT NOT NULL, user_id TEXT NOT NULL, channel TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, at REAL NOT NULL,
  notification_ids TEXT NOT NULL, job TEXT NOT NULL, claimed_until REAL);
CREATE INDEX IF NOT EXISTS deliveries_by_user ON deliveries (user_id, status, at);
CREATE TABLE IF NOT EXISTS channels (
  user_id TEXT NOT NULL, channel TEXT NOT NULL, config TEXT NOT NULL, PRIMARY KEY (user_id, channel));
CREATE TABLE IF NOT EXISTS positions (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS handed_over (notification_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS prefs (user_id TEXT PRIMARY KEY, prefs TEXT NOT NULL);
"""
# A digest is pending (shown to a socket or not: sent_at), then acked, external (handed to channels) or dropped.


class Outbox:
    def __init__(self, path: str | Path):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connection().executescript(SCHEMA)

    def _db(self) -> _Transaction:
        return _Transaction(self._connection())

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                                  check_same_thread=False)
            self._connections.append(db)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
        return db

    # The digest engine.
    def position(self, name: str) -> int:
        with self._db() as db:
            row = db.execute("SELECT position FROM positions WHERE name = ?", (name,)).fetchone()
        return row["position"] if row else 0

    def hand_over(self, digests: Iterable[Digest], name: str, position: int) -> None:
        """Stores new digests (ignoring ids already stored) and moves the engine's position."""
        digests = list(digests)
        rows = [(d.digest_id, d.user_id, _items_json(d), "pending", int(_transactional(d)), d.due_at)
                for d in digests]
        with self._db() as db:
            db.executemany("INSERT OR IGNORE INTO digests (digest_id, user_id, items, state, transactional, due_at)"
                           " VALUES (?, ?, ?, ?, ?, ?)", rows)
            db.executemany("INSERT OR IGNORE INTO handed_over VALUES (?)",
                           [(item.notification_id,) for d in digests for item in d.items])
            db.execute("INSERT INTO positions VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position ="
                       " MAX(position, excluded.position)", (name, position))

    def set_prefs(self, user_id: str, prefs: dict[str, Any]) -> None:
        """The engine keeps each user's preferences from the log: it reads no aggregate."""
        with self._db() as db:
            db.execute("INSERT INTO prefs VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET prefs = excluded.prefs",
                       (user_id, json.dumps(prefs)))

    def prefs_of(self, user_id: str) -> dict[str, Any]:
        """The user's notification preferences as last logged ({}: the defaults)."""
        with self._db() as db:
            row = db.execute("SELECT prefs FROM prefs WHERE user_id = ?", (user_id,)).fetchone()
        return json.loads(row["prefs"]) if row else {}

    def handed_over(self, notification_ids: list[str]) -> set[str]:
        """Those of these notifications that went out in a digest before (a replay skips them)."""
        found: set[str] = set()
        with self._db() as db:
            for start in range(0, len(notification_ids), 500):
                chunk = notification_ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(f"SELECT notification_id FROM handed_over WHERE notification_id IN ({marks})", chunk)
                found.update(r[0] for r in rows)
        return found

    # Delivery to sockets.
    def waiting(self) -> list[dict[str, Any]]:
        """Digests neither acknowledged by a socket nor handed to channels yet."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM digests WHERE state = 'pending' ORDER BY due_at, digest_id").fetchall()
        return [_digest_row(r) for r in rows]

    def unacked(self, user_id: str) -> list[dict[str, Any]]:
        """What a reconnecting socket is shown: every digest of the user not acknowledged yet."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM digests WHERE user_id = ? AND state IN ('pending', 'external')"
                              " ORDER BY due_at, digest_id", (user_id,)).fetchall()
        return [_digest_row(r) for r in rows]

    def shown(self, digest_id: str, now: float) -> None:
        with self._db() as db:
            db.execute("UPDATE digests SET sent_at = COALESCE(sent_at, ?) WHERE digest_id = ?", (now, digest_id))

    def acked(self, user_id: str, digest_id: str) -> bool:
        with self._db() as db:
            done = db.execute("UPDATE digests SET state = 'acked' WHERE digest_id = ? AND user_id = ?"
                              " AND state IN ('pending', 'external')", (digest_id, user_id))
        return done.rowcount == 1

    def dropped(self, digest_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE digests SET state = 'dropped' WHERE digest_id = ?", (digest_id,))

    def to_channels(self, digest_id: str, deliveries: list[dict[str, Any]], now: float) -> bool:
        """Hands a waiting digest to its channels, once: False when it was acked or handed over before."""
        with self._db() as db:
            moved = db.execute("UPDATE digests SET state = 'external' WHERE digest_id = ? AND state = 'pending'",
                               (digest_id,))
            if moved.rowcount != 1:
                return False
            db.executemany(
                "INSERT OR IGNORE INTO deliveries (delivery_id, digest_id, user_id, channel, status, at,"
                " notification_ids, job) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                [(d["delivery_id"], digest_id, d["user_id"], d["channel"], now, json.dumps(d["notification_ids"]),
                  json.dumps(d, default=str)) for d in deliveries])
        return True

    # External deliveries.
    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM deliveries WHERE delivery_id = ?", (delivery_id,)).fetchone()
        return _delivery_row(row) if row else None

    def claim(self, delivery_id: str, now: float, lease_s: float) -> tuple[str, dict[str, Any] | None]:
        """("claimed", record with the channel's config) when this worker may attempt the delivery for
        `lease_s`; ("done", None)
        when it was delivered or is dead; ("busy", None) while another worker's lease runs."""
        with self._db() as db:
            row = db.execute("SELECT * FROM deliveries WHERE delivery_id = ?", (delivery_id,)).fetchone()
            if row is None or row["status"] in ("delivered", "dead"):
                return "done", None
            if row["claimed_until"] is not None and row["claimed_until"] > now:
                return "busy", None
            db.execute("UPDATE deliveries SET claimed_until = ? WHERE delivery_id = ?", (now + lease_s, delivery_id))
            config = db.execute("SELECT config FROM channels WHERE user_id = ? AND channel = ?",
                                (row["user_id"], row["channel"])).fetchone()
        return "claimed", {**_delivery_row(row), "config": json.loads(config["config"]) if config else None}

    def attempted(self, delivery_id: str, status: str, error: str | None, now: float) -> None:
        with self._db() as db:
            db.execute("UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, at = ?,"
                       " claimed_until = NULL WHERE delivery_id = ? AND status NOT IN ('delivered', 'dead')",
                       (status, error, now, delivery_id))

    def deliveries_of(self, user_id: str, status: str | None, limit: int) -> list[dict[str, Any]]:
        """The user's deliveries, newest first: to channels, and digests shown to their sockets."""
        where, args = "user_id = ?", [user_id]
        if status:
            where, args = where + " AND status = ?", [user_id, status]
        with self._db() as db:
            rows = db.execute(f"SELECT * FROM deliveries WHERE {where} ORDER BY at DESC LIMIT ?",
                              [*args, limit]).fetchall()
            shown = db.execute("SELECT digest_id, items, state, sent_at FROM digests WHERE user_id = ?"
                               " AND sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT ?", (user_id, limit)).fetchall()
        found = [_delivery_row(r) for r in rows] + [_socket_delivery(r) for r in shown]
        found = [d for d in found if not status or d["status"] == status]
        return sorted(found, key=lambda d: d["at"], reverse=True)[:limit]

    def unfinished_jobs(self) -> list[dict[str, Any]]:
        """The jobs of deliveries neither delivered nor dead: what a restarted worker publishes again."""
        with self._db() as db:
            rows = db.execute("SELECT job FROM deliveries WHERE status IN ('pending', 'failed')").fetchall()
        return [json.loads(r["job"]) for r in rows]

    # Channels.
    def set_channel(self, user_id: str, channel: str, config: dict[str, Any]) -> None:
        with self._db() as db:
            db.execute("INSERT INTO channels VALUES (?, ?, ?) ON CONFLICT (user_id, channel)"
                       " DO UPDATE SET config = excluded.config", (user_id, channel, json.dumps(config)))

    def remove_channel(self, user_id: str, channel: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM channels WHERE user_id = ? AND channel = ?", (user_id, channel))

    def channels_of(self, user_id: str) -> dict[str, dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT channel, config FROM channels WHERE user_id = ?", (user_id,)).fetchall()
        return {r["channel"]: json.loads(r["config"]) for r in rows}

    def together(self, calls: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
        """Runs `calls` (this outbox's methods) in one transaction: (True, its result) or (False, its
        error) for each, in order. When one fails, each runs again alone, so that it fails alone."""
        try:
            with self._db():
                return [(True, call()) for call in calls]
        except Exception:  # rolled back: no call took effect
            return [_alone(call) for call in calls]

    def close(self) -> None:
        for db in self._connections:
            db.close()
        self._connections.clear()
        self._local = threading.local()


class _Transaction:
    """`with` runs its statements in one immediate transaction on this thread's connection."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.joined = self.db.in_transaction  # inside `together`: the outer transaction decides
        if not self.joined:
            self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, *_: object) -> None:
        if not self.joined:
            self.db.execute("ROLLBACK" if kind else "COMMIT")


def _alone(call: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, call()  # in a transaction of its own
    except Exception as error:  # that call's error is its caller's answer
        return False, error


def _transactional(digest: Digest) -> bool:
    return any(item.transactional for item in digest.items)


def _items_json(digest: Digest) -> str:
    return json.dumps([{**item.fields, "id": item.notification_id, "position": item.position}
                       for item in digest.items], default=str)


def _digest_row(row: sqlite3.Row) -> dict[str, Any]:
    return {**dict(row), "items": json.loads(row["items"]), "transactional": bool(row["transactional"])}


def _socket_delivery(row: sqlite3.Row) -> dict[str, Any]:
    return {"delivery_id": delivery_id(row["digest_id"], "socket"), "digest_id": row["digest_id"],
            "channel": "socket", "status": "acked" if row["state"] == "acked" else "delivered", "attempts": 1,
            "last_error": None, "at": row["sent_at"], "notification_ids": [i["id"] for i in json.loads(row["items"])]}


def _delivery_row(row: sqlite3.Row) -> dict[str, Any]:
    fields = {k: row[k] for k in row.keys() if k not in ("job", "claimed_until")}
    return {**fields, "notification_ids": json.loads(row["notification_ids"])}
