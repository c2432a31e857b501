"""The digest engine as a log consumer of the background host (one process runs it: the lease).

It reads the log after its committed position, turns events into each user's notifications
(NotificationSource), groups them into digests (application.digests) and hands due digests to
the Outbox together with the position it may restart from: just before the oldest notification
still waiting in a digest. A restart replays from there; notifications already handed over are
skipped, and the rebuilt digests keep their ids, so nothing goes out twice.

The host may hand events over before the inbox it reads has stored them (the same thread
commits both, the inbox usually first): such events wait here, and neither they nor anything
after them counts as read, until the inbox has caught up (at the next consume or tick).
"""

from __future__ import annotations

import itertools
from collections import deque
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from hubbub.application.digests import Digest, Digests, Item, Prefs
from hubbub.projections import topics as t

from .outbox import Outbox
from .source import TOPICS, NotificationSource

CHUNK = 1_000
PrefsOf = Callable[[str], dict[str, Any]]  # user id → notification_prefs, for users not seen yet


class DigestEngine:
    name = "digests"
    topics = (*TOPICS, t.ACCOUNT_REGISTERED, t.ACCOUNT_PREFS_CHANGED)

    def __init__(self, outbox: Outbox, source: NotificationSource, prefs_of: PrefsOf,
                 clock: Callable[[], float] = time.time, on_handed_over: Callable[[list[Digest]], None] | None = None):
        self.outbox, self.source, self.prefs_of, self.clock = outbox, source, prefs_of, clock
        self.on_handed_over = on_handed_over or (lambda digests: None)
        self.digests = Digests()
        self.prefs: dict[str, Prefs] = {}
        self.read_up_to = outbox.position(self.name)
        self.seen_up_to = self.read_up_to  # handed to consume(), read or waiting for the inbox
        self.waiting: deque[Any] = deque()  # events after read_up_to the inbox has not stored yet
        self._lock = threading.Lock()  # consume() and tick() may run on different threads

    def committed_position(self) -> int:
        return self.outbox.position(self.name)

    def consume(self, events: Sequence[Any], up_to: int) -> None:
        """Blocking: reads the read models and the outbox. Call it from a thread."""
        with self._lock:
            self.waiting.extend(e for e in events if e.position > max(self.read_up_to, self._last_waiting()))
            self.seen_up_to = max(self.seen_up_to, up_to)
        self.tick()

    def _last_waiting(self) -> int:
        return self.waiting[-1].position if self.waiting else 0

    def _read_stored(self) -> None:
        """Reads the waiting events the inbox has stored; the rest wait for the next call."""
        stored = self.source.processed_position()
        while self.waiting and self.waiting[0].position <= stored:
            self._read(self.waiting.popleft())
        self.read_up_to = max(self.read_up_to, self.waiting[0].position - 1 if self.waiting else self.seen_up_to)

    def _read(self, logged: Any) -> None:
        if logged.topic == t.ACCOUNT_REGISTERED:
            self._set_prefs(str(logged.originator_id), {})
        elif logged.topic == t.ACCOUNT_PREFS_CHANGED:
            self._set_prefs(str(logged.originator_id), dict(logged.event.prefs))
        else:
            self._collect(logged)

    def _set_prefs(self, user_id: str, prefs: dict[str, Any]) -> None:
        self.outbox.set_prefs(user_id, prefs)
        self.prefs[user_id] = Prefs.of(prefs)

    def tick(self) -> list[Digest]:
        """Reads what the inbox has stored since, and hands over every digest due now; returns them."""
        with self._lock:
            self._read_stored()
            return self._hand_over()

    def _hand_over(self) -> list[Digest]:
        ready = self.digests.due(self.clock())
        waiting = self.digests.first_pending_position()
        restart_at = self.read_up_to if waiting is None else min(self.read_up_to, waiting - 1)
        if ready or restart_at > self.outbox.position(self.name):
            self.outbox.hand_over(ready, self.name, restart_at)
        if ready:
            self.on_handed_over(ready)
        return ready

    def next_due(self) -> float | None:
        return self.digests.next_due()

    def _collect(self, logged: Any) -> None:
        """A chunk at a time, handing over as it goes: a broadcast's audience is never all in memory."""
        for chunk in _chunks(self.source.items(logged), CHUNK):
            seen = self.outbox.handed_over([i.notification_id for i in chunk])
            for item in chunk:
                if item.notification_id not in seen:
                    self.digests.add(item, self._prefs(item.user_id))
            if len(self.digests.closed) >= CHUNK:
                self._hand_over()

    def _prefs(self, user_id: str) -> Prefs:
        if user_id not in self.prefs:
            self.prefs[user_id] = Prefs.of(self.prefs_of(user_id))
        return self.prefs[user_id]


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
