"""The audit index consumer: one small document per position, for filtered pages without a scan.

The documents hold only who, what, when and through which request; the event's data is read
from the log when a page is answered, so that an erased user's data never sits in the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hubbub.projections.runtime.consumer import LoggedEvent
from hubbub.projections.store import CollectionSpec, Document, StoredVersion

NAME = "audit_index"
EVENTS = "events"
SPECS = (
    CollectionSpec(EVENTS, indexes=(
        ("position",), ("aggregate_id", "position"), ("actor_id", "position"), ("type", "position"),
        ("correlation_id", "position"), ("at_ts", "position"),
    )),
)
# A MongoDB transaction takes at most 5,000 documents.
CHUNK = 2_000


def event_type(topic: str) -> str:
    """hubbub.domain.message:Message.Sent -> Message.Sent"""
    return topic.rpartition(":")[2]


def index_document(logged: LoggedEvent) -> Document:
    at: datetime | None = getattr(logged.event, "timestamp", None)
    kind = event_type(logged.topic)
    return {
        "position": logged.position,
        "aggregate_id": str(logged.originator_id),
        "aggregate_type": kind.partition(".")[0],
        "version": logged.originator_version,
        "type": kind,
        "at": at.isoformat() if at else None,
        "at_ts": at.timestamp() if at else None,
        "actor_id": _text(logged.metadata.get("actor_id") or getattr(logged.event, "actor_id", None)),
        "correlation_id": _text(logged.metadata.get("correlation_id")),
        "causation_id": _text(logged.metadata.get("causation_id")),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class AuditIndex:
    """A LogConsumer over every event, writing into one version of the audit_index read model."""

    name = NAME
    topics: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # no projection

    def __init__(self, version: StoredVersion):
        self.version = version

    def committed_position(self) -> int:
        return self.version.position()

    def consume(self, events: Sequence[LoggedEvent], up_to: int) -> None:
        expected = self.committed_position()
        for start in range(0, len(events), CHUNK):
            chunk = events[start:start + CHUNK]
            last = up_to if start + CHUNK >= len(events) else chunk[-1].position
            docs = {str(e.position): index_document(e) for e in chunk}
            self.version.commit({EVENTS: docs}, expected, last)
            expected = last
        if not events and up_to > expected:
            self.version.commit({}, expected, up_to)
