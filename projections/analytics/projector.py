"""Counts sent messages into UTC hour buckets per day, per room and for all rooms.

Analytics record activity: a message counts where and when it was sent, and a later edit
or delete does not rewrite that history. Counts are folded in plain dicts during a batch
(one increment per event, no document touched) and merged into documents once per commit;
the all-rooms figures are summed from the room figures at that point.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from hubbub.projections import topics as t
from hubbub.projections.runtime.batch import Batch
from hubbub.projections.ids import sid
from hubbub.projections.projector import Projector
from hubbub.projections.store import CollectionSpec

DAYS = "days"  # one per (scope, UTC date): count, 24 UTC hour buckets
TOTALS = "totals"  # one per scope: count, last activity
SENDERS = "senders"  # one per (scope, sender): count, last time they sent
ALL_ROOMS = "*"


class _Day:
    __slots__ = ("count", "hours")

    def __init__(self) -> None:
        self.count = 0
        self.hours = [0] * 24


class _Sender:
    __slots__ = ("count", "last")

    def __init__(self, at: datetime) -> None:
        self.count = 0
        self.last = at


def sender_id(scope: str, sender: str) -> str:
    return f"{scope}:{sender}"


class AnalyticsProjector(Projector):
    """Every document stays small whatever the number of senders: a sender has a document of
    its own per scope (a MongoDB document may not exceed 16 MiB)."""

    name = "analytics"
    shape = "2"  # 2: one document per (scope, sender), bounded
    collections = (CollectionSpec(DAYS, indexes=(("scope", "date"),)), CollectionSpec(TOTALS),
                   CollectionSpec(SENDERS, indexes=(("scope", "count", "user_id"),)))
    handles = {t.MESSAGE_SENT: "sent"}

    def __init__(self) -> None:
        super().__init__()
        self._days: dict[tuple[str, date], _Day] = {}
        self._senders: dict[str, dict[str, _Sender]] = {}

    def sent(self, event: Any, position: int, batch: Batch) -> None:
        # Ids go in as strings (memoised): a UUID key would hash in Python code on every increment.
        at, room, author = event.timestamp, sid(event.room_id), sid(event.author_id)
        key = (room, at.date())
        day = self._days.get(key)
        if day is None:
            day = self._days[key] = _Day()
        day.count += 1
        day.hours[at.hour] += 1
        senders = self._senders.get(room)
        if senders is None:
            senders = self._senders[room] = {}
        sender = senders.get(author)
        if sender is None:
            sender = senders[author] = _Sender(at)
        sender.count += 1
        sender.last = at  # events come in log order: the latest wins

    def before_commit(self, batch: Batch) -> None:
        everyone = _everyone(self._senders)
        batch.prefetch(DAYS, [f"{room}:{when.isoformat()}" for room, when in self._days]
                       + [f"{ALL_ROOMS}:{when.isoformat()}" for when in {when for _, when in self._days}])
        batch.prefetch(TOTALS, [*self._senders, ALL_ROOMS])
        batch.prefetch(SENDERS, [sender_id(room, s) for room, senders in self._senders.items() for s in senders]
                       + [sender_id(ALL_ROOMS, s) for s in everyone])
        everywhere: dict[date, _Day] = defaultdict(_Day)
        for (room, when), day in self._days.items():
            _merge_day(batch, room, when, day)
            _add(everywhere[when], day)
        for when, day in everywhere.items():
            _merge_day(batch, ALL_ROOMS, when, day)
        for room, senders in self._senders.items():
            _merge_senders(batch, room, senders)
        if everyone:
            _merge_senders(batch, ALL_ROOMS, everyone)
        self._days.clear()
        self._senders.clear()


def _everyone(by_room: dict[str, dict[str, _Sender]]) -> dict[str, _Sender]:
    total: dict[str, _Sender] = {}
    for senders in by_room.values():
        for sender, figures in senders.items():
            summed = total.get(sender)
            if summed is None:
                summed = total[sender] = _Sender(figures.last)
            summed.count += figures.count
            summed.last = max(summed.last, figures.last)
    return total


def _add(total: _Day, day: _Day) -> None:
    total.count += day.count
    total.hours = [a + b for a, b in zip(total.hours, day.hours, strict=True)]


def _merge_day(batch: Batch, scope: str, when: date, day: _Day) -> None:
    iso = when.isoformat()
    doc = batch.edit(DAYS, f"{scope}:{iso}", new=lambda: {"scope": scope, "date": iso, "count": 0, "hours": [0] * 24})
    doc["count"] += day.count
    doc["hours"] = [a + b for a, b in zip(doc["hours"], day.hours, strict=True)]


def _merge_senders(batch: Batch, scope: str, senders: dict[str, _Sender]) -> None:
    totals = batch.edit(TOTALS, scope, new=lambda: {"count": 0, "last_activity": None})
    for sender, figures in senders.items():
        doc = batch.edit(SENDERS, sender_id(scope, sender),
                         new=lambda: {"scope": scope, "user_id": sender, "count": 0, "last_sent": figures.last})
        doc["count"] += figures.count
        doc["last_sent"] = max(doc["last_sent"], figures.last)
        totals["count"] += figures.count
    latest = max(figures.last for figures in senders.values())
    if totals["last_activity"] is None or latest > totals["last_activity"]:
        totals["last_activity"] = latest
