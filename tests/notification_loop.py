"""A small stand-in for the background host: feeds a LogConsumer the log, as the host will."""

from __future__ import annotations

from collections import namedtuple

from hubbub.projections.log import EventLog

LoggedEvent = namedtuple("LoggedEvent", "position topic originator_id originator_version event metadata")


def feed(consumer, app, after: int | None = None) -> int:
    """Hands the consumer every event of its topics after `after` (default: its committed position)."""
    log = EventLog(app)
    start, head = consumer.committed_position() if after is None else after, log.head()
    events = [LoggedEvent(n.id, n.topic, n.originator_id, n.originator_version, log.decode(n), {})
              for n in log.read(start, head, 1_000_000, consumer.topics)]
    consumer.consume(events, head)
    return head
