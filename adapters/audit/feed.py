"""A small loop of our own that feeds the audit consumers from the log, until the background
host runs them (then `catch_up` finds nothing left to do and costs one read of the head)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from eventsourcing.application import Application

from hubbub.projections.audit.logged import LogConsumer, LoggedEvent
from hubbub.projections.store import PositionConflict

from .decoding import logged_event

BATCH = 5_000
Progress = Callable[[int, int], None]  # (position reached, head)


class Feed:
    def __init__(self, app: Application, consumers: Sequence[LogConsumer]):
        self.app, self.consumers = app, list(consumers)
        self._lock = threading.Lock()

    def catch_up(self, progress: Progress | None = None) -> int:
        """Feed every event up to the current head; returns the head reached."""
        with self._lock:
            head = self.app.recorder.max_notification_id() or 0
            start = min((c.committed_position() for c in self.consumers), default=head)
            while start < head:
                start = self._feed_batch(start, head)
                if progress:
                    progress(start, head)
            return head

    def _feed_batch(self, after: int, head: int) -> int:
        notifications = self.app.recorder.select_notifications(
            start=after, stop=head, limit=BATCH, inclusive_of_start=False)
        if not notifications:
            return head
        up_to = notifications[-1].id
        logged = [logged_event(self.app.mapper, n) for n in notifications]
        for consumer in self.consumers:
            _feed(consumer, logged, up_to)
        return up_to


def _feed(consumer: LogConsumer, logged: list[LoggedEvent], up_to: int) -> None:
    committed = consumer.committed_position()
    if committed >= up_to:
        return
    wanted = set(consumer.topics)
    mine = [e for e in logged if e.position > committed and (not wanted or e.topic in wanted)]
    try:
        consumer.consume(mine, up_to)
    except PositionConflict:
        pass  # another process (the background host) committed these first
