"""The writer's aggregates, kept current by following the log instead of re-reading each one.

The library's repository fast-forwards a cached aggregate with one SELECT per load. The writer
loads the same few rooms and messages over and over, so it asks one question per batch
instead: has anyone else appended since I last looked? If not, every cached aggregate is
current. If so, it reads the notifications appended since and forgets the aggregates they
touch (the next load reads them afresh).

Only the writer thread uses it; a cached aggregate is never changed in place (changes are
made to copies, which replace it once their events are committed).
"""

from __future__ import annotations

from collections import OrderedDict
from copy import deepcopy
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from .app import Hubbub

A = TypeVar("A", bound=Aggregate)
CACHE_SIZE = 10_000
CATCH_UP_PAGE = 1_000


class LogFollowingCache:
    def __init__(self, app: Hubbub, size: int = CACHE_SIZE):
        self.app = app
        self.size = size
        self._aggregates: OrderedDict[UUID, Aggregate] = OrderedDict()
        self.seen: int | None = None  # every event up to here is reflected in the cache

    def catch_up(self) -> None:
        """Forget every cached aggregate that an event appended since the last look changed."""
        head = self.app.head()
        if self.seen is None or head < self.seen:  # first look, or a log that was reset under us
            self._aggregates.clear()
        elif head > self.seen:
            self._forget_changed(self.seen, head)
        self.seen = head

    def _forget_changed(self, seen: int, head: int) -> None:
        if head - seen > self.size:  # cheaper to start afresh than to read that much
            self._aggregates.clear()
            return
        start = seen + 1
        while start <= head:
            notifications = self.app.recorder.select_notifications(start, CATCH_UP_PAGE, stop=head)
            if not notifications:
                break
            for notification in notifications:
                self._aggregates.pop(notification.originator_id, None)
            start = notifications[-1].id + 1

    def appended(self, first: int, last: int) -> None:
        """The writer's own append got positions first..last: advance if nobody slipped in between."""
        if self.seen is not None and first == self.seen + 1:
            self.seen = last

    def load(self, kind: type[A], aggregate_id: UUID, missing: Exception | None = None, *,
             for_change: bool = True) -> A:
        cached = self._aggregates.get(aggregate_id)
        if cached is None or not isinstance(cached, kind):
            cached = self.app.load(kind, aggregate_id, missing)
            self.put(cached)
        else:
            self._aggregates.move_to_end(aggregate_id)
        return deepcopy(cached) if for_change else cached

    def put(self, aggregate: Aggregate) -> None:
        self._aggregates[aggregate.id] = aggregate
        self._aggregates.move_to_end(aggregate.id)
        while len(self._aggregates) > self.size:
            self._aggregates.popitem(last=False)

    def forget(self, aggregate_id: UUID) -> None:
        self._aggregates.pop(aggregate_id, None)
