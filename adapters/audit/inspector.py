"""What an admin (over HTTP) or an operator (the CLI) can ask of the audit trail.

Every answer first appends who asked for what (AuditService.record_access), then catches the
audit consumers up with the log, so the index answers for everything written before the question.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from hubbub.application.app import Hubbub
from hubbub.application.audit import AuditService
from hubbub.application.context import CommandContext
from hubbub.domain.errors import InvalidInput, NotFound
from hubbub.projections.audit import queries
from hubbub.projections.audit.index import index_document
from hubbub.projections.store import StoredVersion

from .decoding import as_json, item, logged_event
from .erasure import Eraser
from .feed import Feed, Progress
from .verify import Report, Verifier

EXPORT_BATCH = 1_000


class AuditInspector:
    def __init__(self, app: Hubbub, index: StoredVersion, verifier: Verifier, feed: Feed):
        self.app, self.index, self.verifier, self.feed = app, index, verifier, feed
        self.service = AuditService(app)
        self.eraser = Eraser(app, self.service)

    def events(self, context: CommandContext, wanted: queries.EventFilter) -> dict[str, Any]:
        self._record(context, "events", _describe(wanted))
        docs, cursor = queries.page(self.index, wanted)
        return {"items": self._items(docs), "next_cursor": None if cursor is None else str(cursor)}

    def request(self, context: CommandContext, correlation_id: str) -> dict[str, Any]:
        self._record(context, "request", correlation_id)
        return {"items": self._items(queries.of_request(self.index, correlation_id))}

    def aggregate(self, context: CommandContext, aggregate_id: UUID, version: int | None = None,
                  at: datetime | None = None) -> dict[str, Any]:
        self._record(context, "aggregate", f"{aggregate_id} version={version} at={at}")
        last = queries.last_of(self.index, str(aggregate_id))
        if last is None:
            raise NotFound(f"no aggregate {aggregate_id} in the log")
        if version is not None and version > last["version"]:
            raise InvalidInput("version", f"beyond the aggregate's last version, {last['version']}")
        if at is not None:
            found = queries.last_of(self.index, str(aggregate_id), at)
            if found is None:
                raise NotFound(f"aggregate {aggregate_id} did not exist at {at.isoformat()}")
            version = found["version"]
        return self._state(aggregate_id, version or last["version"])

    def export(self, context: CommandContext, after_position: int = 0) -> Iterator[bytes]:
        """The log after a position as NDJSON lines, read a batch at a time (constant memory)."""
        self._record(context, "export", f"after_position={after_position}")
        return self.export_lines(after_position)

    def export_lines(self, after_position: int) -> Iterator[bytes]:
        """NDJSON, one chunk of up to EXPORT_BATCH lines at a time (a stream's thread hop each)."""
        encoder = msgspec.json.Encoder()
        while True:
            batch = self.app.recorder.select_notifications(
                start=after_position, limit=EXPORT_BATCH, inclusive_of_start=False)
            if not batch:
                return
            lines = []
            for notification in batch:
                logged = logged_event(self.app.mapper, notification)
                lines.append(encoder.encode(item(index_document(logged), logged.event)))
            yield b"\n".join(lines) + b"\n"
            after_position = batch[-1].id

    def verify(self, context: CommandContext, start: int = 1, stop: int | None = None,
               progress: Progress | None = None) -> Report:
        """Recorded after the check, so that the record is not among the positions checked."""
        self.feed.catch_up()
        report = self.verifier.verify(start, stop, progress)
        self.service.record_access(context, "verify", f"from={start} to={stop} ok={report.ok}")
        return report

    def erase(self, context: CommandContext, user_id: UUID, reason: str) -> int:
        position = self.eraser.erase(context, user_id, reason)
        self.feed.catch_up()
        return position

    def _record(self, context: CommandContext, action: str, target: str) -> None:
        self.service.record_access(context, action, target)
        self.feed.catch_up()

    def _items(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [item(doc, self._event_at(doc["position"])) for doc in docs]

    def _event_at(self, position: int) -> Any:
        found = self.app.recorder.select_notifications(start=position, limit=1)
        return logged_event(self.app.mapper, found[0]).event

    def _state(self, aggregate_id: UUID, version: int) -> dict[str, Any]:
        """Folded from the events themselves: snapshots are not in the hash chain."""
        aggregate = None
        for event in self.app.events.get(aggregate_id, lte=version):
            aggregate = event.mutate(aggregate)
        if aggregate is None:
            raise NotFound(f"no aggregate {aggregate_id} in the log")
        state = {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
        return {"aggregate_id": str(aggregate_id), "type": type(aggregate).__name__, "version": aggregate.version,
                "state": as_json(state)}


def _describe(wanted: queries.EventFilter) -> str:
    return " ".join(f"{k}={v}" for k, v in vars(wanted).items() if v is not None)
