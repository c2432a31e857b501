"""The chain consumer: links every position into the hash chain and signs its head now and then.

A checkpoint is signed every `every_events` events, and at the end of a batch when
`every_seconds` have passed since the last one (and the head has moved).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from eventsourcing.persistence import Notification

from hubbub.projections.runtime.consumer import LoggedEvent
from hubbub.projections.store import CollectionSpec, Document, StoredVersion

from .chain import GENESIS, digest, link
from .signing import Checkpoint, CheckpointKey

NAME = "audit_chain"
LINKS, CHECKPOINTS = "links", "checkpoints"
SPECS = (
    CollectionSpec(LINKS, indexes=(("position",), ("digest",))),
    CollectionSpec(CHECKPOINTS, indexes=(("position",), ("seq",))),
)
CHUNK = 2_000  # keeps a commit under MongoDB's 5,000 documents per transaction


class ChainConsumer:
    """A LogConsumer over every event; it hashes each event's record as stored (LoggedEvent.record)."""

    name = NAME
    topics: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # no projection

    def __init__(self, version: StoredVersion, key: CheckpointKey, every_events: int, every_seconds: float,
                 clock: Callable[[], float] = time.time):
        self.version, self.key = version, key
        self.every_events, self.every_seconds, self.clock = every_events, every_seconds, clock

    def committed_position(self) -> int:
        return self.version.position()

    def consume(self, events: Sequence[LoggedEvent], up_to: int) -> None:
        position = self.committed_position()
        head, last = self._head(position), last_checkpoint(self.version)
        for start in range(0, len(events), CHUNK):
            final = start + CHUNK >= len(events)
            records = [_record(e) for e in events[start:start + CHUNK]]
            end = up_to if final else records[-1].id
            writes, head, last = self._links(records, head, last, final)
            self.version.commit(writes, position, end)
            position = end
        if not events and up_to > position:
            self.version.commit({}, position, up_to)

    def _links(self, records: Sequence[Notification], head: bytes, last: Document | None,
               final: bool) -> tuple[dict[str, dict[str, Document]], bytes, Document | None]:
        links: dict[str, Document] = {}
        checkpoints: dict[str, Document] = {}
        for record in records:
            record_digest = digest(record)
            head = link(head, record.id, record_digest)
            links[str(record.id)] = {"position": record.id, "digest": record_digest.hex(), "hash": head.hex()}
            if record.id - _position(last) >= self.every_events:
                last = checkpoints[str(record.id)] = self._checkpoint(last, record.id, head)
        if final and records and self._overdue(last, records[-1].id):
            last = checkpoints[str(records[-1].id)] = self._checkpoint(last, records[-1].id, head)
        return {LINKS: links, CHECKPOINTS: checkpoints}, head, last

    def _overdue(self, last: Document | None, position: int) -> bool:
        if last is None:
            return True
        return position > last["position"] and self.clock() - last["signed_at"] >= self.every_seconds

    def _checkpoint(self, last: Document | None, position: int, head: bytes) -> Document:
        now = self.clock()
        at = datetime.fromtimestamp(now, timezone.utc).isoformat()
        checkpoint = Checkpoint(seq=(last["seq"] + 1) if last else 1, position=position, head=head, at=at)
        return {"seq": checkpoint.seq, "position": position, "head": head.hex(), "at": at, "signed_at": now,
                "key_id": self.key.key_id, "signature": self.key.sign(checkpoint).hex()}

    def _head(self, position: int) -> bytes:
        if position == 0:
            return GENESIS
        found = self.version.find_one(LINKS, str(position))
        if found is None:
            raise RuntimeError(f"the audit chain has no link at its own position {position}")
        return bytes.fromhex(found["hash"])


def _record(event: LoggedEvent) -> Notification:
    if event.record is None:
        raise ValueError("the audit chain needs each event's stored record")
    return event.record


def last_checkpoint(version: StoredVersion) -> Document | None:
    found = version.find(CHECKPOINTS, {}, sort=[("seq", -1)], limit=1)
    return found[0] if found else None


def _position(checkpoint: dict[str, Any] | None) -> int:
    return checkpoint["position"] if checkpoint else 0
