"""Feeds a LogConsumer the log in the caller's thread, as the background host's supervisor does
(tests and benches that drive the digest engine step by step)."""

from __future__ import annotations

from hubbub.projections.runtime.consumer import LoggedEvent, LogConsumer
from hubbub.projections.runtime.log import EventLog


def feed(consumer: LogConsumer, app, after: int | None = None) -> int:
    """Hands the consumer every event of its topics after `after` (default: its committed position)."""
    log = EventLog(app)
    start, head = consumer.committed_position() if after is None else after, log.head()
    events = []
    for n in log.read(start, head, 1_000_000, consumer.topics):
        event, metadata = log.decode(n)
        events.append(LoggedEvent(n.id, n.topic, n.originator_id, n.originator_version, event, metadata))
    consumer.consume(events, head)
    return head
