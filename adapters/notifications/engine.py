"""The digest engine as a log consumer of the background host (one process runs it: the lease).

It reads the log after its committed position, turns events into each user's notifications
(NotificationSource), groups them into digests (application.digests) and hands due digests to
the Outbox together with the position it may restart from: just before the oldest notification
still waiting in a digest. A restart replays from there; notifications already handed over are
skipped, and the rebuilt digests keep their ids, so nothing goes out twice.
"""

from __future__ import annotations

import itertools
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
        self._lock = threading.Lock()  # consume() and tick() may run on different threads

    def committed_position(self) -> int:
        return self.outbox.position(self.name)

    def consume(self, events: Sequence[Any], up_to: int) -> None:
        """Blocking: reads the read models and the outbox. Call it from a thread."""
        self.source.wait_for(up_to)
        with self._lock:
            for logged in events:
                if logged.position <= self.read_up_to:
                    continue  # read before: its notifications are in a digest here already
                if logged.topic == t.ACCOUNT_REGISTERED:
                    self.prefs[str(logged.originator_id)] = Prefs()
                elif logged.topic == t.ACCOUNT_PREFS_CHANGED:
                    self.prefs[str(logged.originator_id)] = Prefs.of(logged.event.prefs)
                else:
                    self._collect(logged)
            self.read_up_to = max(self.read_up_to, up_to)
        self.tick()

    def tick(self) -> list[Digest]:
        """Hands over every digest that is due now; returns them."""
        with self._lock:
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
