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

DAYS = "days"  # one per (scope, UTC date): count, 24 UTC hour buckets, senders
TOTALS = "totals"  # one per scope: count, senders, last time each sender sent
ALL_ROOMS = "*"


class _Day:
    __slots__ = ("count", "hours", "senders")

    def __init__(self) -> None:
        self.count = 0
        self.hours = [0] * 24
        self.senders: defaultdict[Any, int] = defaultdict(int)


class AnalyticsProjector(Projector):
    name = "analytics"
    collections = (CollectionSpec(DAYS, indexes=(("scope", "date"),)), CollectionSpec(TOTALS))
    handles = {t.MESSAGE_SENT: "sent"}

    def __init__(self) -> None:
        super().__init__()
        self._days: dict[tuple[str, date], _Day] = {}
        self._last_sent: dict[str, dict[str, datetime]] = {}

    def sent(self, event: Any, position: int, batch: Batch) -> None:
        # Ids go in as strings (memoised): a UUID key would hash in Python code on every increment.
        at, room, author = event.timestamp, sid(event.room_id), sid(event.author_id)
        key = (room, at.date())
        day = self._days.get(key)
        if day is None:
            day = self._days[key] = _Day()
        day.count += 1
        day.hours[at.hour] += 1
        day.senders[author] += 1
        last = self._last_sent.get(room)
        if last is None:
            last = self._last_sent[room] = {}
        last[author] = at  # events come in log order: the latest wins

    def before_commit(self, batch: Batch) -> None:
        days = {when for _, when in self._days}
        batch.prefetch(DAYS, [f"{room}:{when.isoformat()}" for room, when in self._days]
                       + [f"{ALL_ROOMS}:{when.isoformat()}" for when in days])
        batch.prefetch(TOTALS, [room for room in self._last_sent] + [ALL_ROOMS])
        everywhere: dict[date, _Day] = defaultdict(_Day)
        for (room, when), day in self._days.items():
            _merge(batch, room, when, day)
            _add(everywhere[when], day)
        for when, day in everywhere.items():
            _merge(batch, ALL_ROOMS, when, day)
        latest: dict[str, datetime] = {}
        for room, senders in self._last_sent.items():
            _merge_last(batch, room, senders)
            for sender, at in senders.items():
                latest[sender] = max(at, latest.get(sender, at))
        if latest:
            _merge_last(batch, ALL_ROOMS, latest)
        self._days.clear()
        self._last_sent.clear()


def _add(total: _Day, day: _Day) -> None:
    total.count += day.count
    total.hours = [a + b for a, b in zip(total.hours, day.hours, strict=True)]
    for sender, n in day.senders.items():
        total.senders[sender] += n


def _merge(batch: Batch, scope: str, when: date, day: _Day) -> None:
    iso = when.isoformat()
    doc = batch.edit(DAYS, f"{scope}:{iso}", new=lambda: {"scope": scope, "date": iso, "count": 0,
                                                          "hours": [0] * 24, "senders": {}})
    totals = batch.edit(TOTALS, scope, new=lambda: {"count": 0, "senders": {}, "last_sent": {}, "last_activity": None})
    doc["count"] += day.count
    totals["count"] += day.count
    doc["hours"] = [a + b for a, b in zip(doc["hours"], day.hours, strict=True)]
    for sender, n in day.senders.items():
        key = sender
        doc["senders"][key] = doc["senders"].get(key, 0) + n
        totals["senders"][key] = totals["senders"].get(key, 0) + n


def _merge_last(batch: Batch, scope: str, senders: dict[str, datetime]) -> None:
    totals = batch.edit(TOTALS, scope)
    for sender, at in senders.items():
        totals["last_sent"][sender] = at
    latest = max(senders.values())
    if totals["last_activity"] is None or latest > totals["last_activity"]:
        totals["last_activity"] = latest
