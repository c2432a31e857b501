"""Digest windows: each user's notifications grouped into digests, by the time of their events.

A user's first notification opens a digest that closes `digest_window_s` after it, and never
later than `max_wait_s` after it (0 = at once). Everything that happens before it closes goes
into it. A digest that would close in the user's quiet hours is held until they end, taking
whatever arrives meanwhile. A transactional broadcast goes out alone, at once, quiet or not.

Windows are measured on the events' own timestamps, not on the clock of whoever runs this,
so replaying the same events rebuilds the same digests with the same ids: a process that
restarts from an earlier position sends what was due, under ids a channel has already seen.
Pure: `due(now)` takes the time from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from hubbub.domain.preferences import DEFAULT_MAX_WAIT_S



@dataclass(frozen=True)
class Item:
    """One notification for one user, as the digest carries it."""

    notification_id: str
    user_id: str
    position: int
    at: float  # epoch seconds of the event that caused it
    transactional: bool = False
    fields: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Prefs:
    digest_window_s: int = 0
    max_wait_s: int = DEFAULT_MAX_WAIT_S
    quiet_hours: dict[str, str] | None = None  # {start: "22:00", end: "07:00", tz}

    @classmethod
    def of(cls, prefs: dict[str, Any]) -> Prefs:
        return cls(prefs.get("digest_window_s", 0), prefs.get("max_wait_s", DEFAULT_MAX_WAIT_S),
                   prefs.get("quiet_hours"))

    def closes_at(self, opened_at: float) -> float:
        closes = opened_at + min(self.digest_window_s, self.max_wait_s)
        return max(closes, self.quiet_end(closes) or closes)

    def quiet_end(self, at: float) -> float | None:
        """When the quiet hours around `at` end, or None when `at` is not in quiet hours."""
        if not self.quiet_hours:
            return None
        zone = ZoneInfo(self.quiet_hours.get("tz") or "UTC")
        local = datetime.fromtimestamp(at, UTC).astimezone(zone)
        start, end = time.fromisoformat(self.quiet_hours["start"]), time.fromisoformat(self.quiet_hours["end"])
        now = local.time().replace(tzinfo=None)
        inside = start <= now < end if start < end else (now >= start or now < end)
        if not inside:
            return None
        ends = datetime.combine(local.date(), end, tzinfo=zone)
        if ends <= local:
            ends += timedelta(days=1)
        return ends.timestamp()


@dataclass
class Digest:
    digest_id: str
    user_id: str
    items: list[Item]
    due_at: float

    @property
    def first_position(self) -> int:
        return min(item.position for item in self.items)


def digest_id(user_id: str, first_notification_id: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"/digests/{user_id}/{first_notification_id}"))


def delivery_id(digest: str, channel: str) -> str:
    """One digest, one channel, one id: how a channel (and the worker) recognises a repeat."""
    return str(uuid5(NAMESPACE_URL, f"/deliveries/{digest}/{channel}"))


class Digests:
    def __init__(self) -> None:
        self.open: dict[str, Digest] = {}  # user → the digest collecting now
        self.closed: list[Digest] = []  # transactional ones, and those an item arrived too late for

    def add(self, item: Item, prefs: Prefs) -> None:
        if item.transactional:
            self.closed.append(Digest(digest_id(item.user_id, item.notification_id), item.user_id, [item], item.at))
            return
        collecting = self.open.get(item.user_id)
        if collecting is not None and item.at < collecting.due_at:
            collecting.items.append(item)
            return
        if collecting is not None:
            self.closed.append(self.open.pop(item.user_id))
        self.open[item.user_id] = Digest(
            digest_id(item.user_id, item.notification_id), item.user_id, [item], prefs.closes_at(item.at))

    def due(self, now: float) -> list[Digest]:
        """Every digest whose time has come, oldest first; they leave this object."""
        ready = [d for d in self.open.values() if d.due_at <= now]
        for digest in ready:
            del self.open[digest.user_id]
        ready, self.closed = [*self.closed, *ready], []
        return sorted(ready, key=lambda d: (d.due_at, d.digest_id))

    def next_due(self) -> float | None:
        if self.closed:
            return min(d.due_at for d in self.closed)
        return min((d.due_at for d in self.open.values()), default=None)

    def first_pending_position(self) -> int | None:
        """The lowest position still waiting in a digest: a restart must read the log from there."""
        pending = [*self.closed, *self.open.values()]
        return min((d.first_position for d in pending), default=None)
