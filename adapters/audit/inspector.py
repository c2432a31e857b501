"""What an admin (over HTTP) or an operator (the CLI) can ask of the audit trail.

Every answer first records who asked for what (a RecordAuditAccess command), then waits until
the background host's audit index has that record (read-your-writes: it answers for everything
written before the question), then reads. A verification waits for the chain to reach the log's
head instead, and is recorded after the check, so that the record is not among the positions checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from hubbub.application import commands as c
from hubbub.application.app import Hubbub
from hubbub.application.bus import CommandBus
from hubbub.application.context import CommandContext
from hubbub.application.read_models import StaleReadModel
from hubbub.application.threads import Executors
from hubbub.domain.errors import InvalidInput, NotFound
from hubbub.projections.audit import queries
from hubbub.projections.audit.index import index_document
from hubbub.projections.store import StoredVersion

from .decoding import as_json, item, logged_event
from .verify import Progress, Report, Verifier

EXPORT_BATCH = 1_000
POLL_S = 0.01


class AuditInspector:
    def __init__(self, app: Hubbub, commands: CommandBus, executors: Executors, index: StoredVersion,
                 verifier: Verifier, timeout_s: float):
        self.app, self.commands, self.executors = app, commands, executors
        self.index, self.verifier, self.timeout_s = index, verifier, timeout_s

    async def events(self, context: CommandContext, wanted: queries.EventFilter) -> dict[str, Any]:
        await self._recorded(context, "events", _describe(wanted))
        docs, cursor = await self.executors.in_query_thread(queries.page, self.index, wanted)
        items = await self.executors.in_thread(self._items, docs)
        return {"items": items, "next_cursor": None if cursor is None else str(cursor)}

    async def request(self, context: CommandContext, correlation_id: str) -> dict[str, Any]:
        await self._recorded(context, "request", correlation_id)
        docs = await self.executors.in_query_thread(queries.of_request, self.index, correlation_id)
        return {"items": await self.executors.in_thread(self._items, docs)}

    async def aggregate(self, context: CommandContext, aggregate_id: UUID, version: int | None = None,
                        at: datetime | None = None) -> dict[str, Any]:
        await self._recorded(context, "aggregate", f"{aggregate_id} version={version} at={at}")
        return await self.executors.in_thread(self._aggregate, aggregate_id, version, at)

    async def export(self, context: CommandContext, after_position: int = 0) -> Iterator[bytes]:
        """The log after a position as NDJSON lines, read a batch at a time (constant memory)."""
        await self._recorded(context, "export", f"after_position={after_position}")
        return self.export_lines(after_position)

    async def verify(self, context: CommandContext, start: int = 1, stop: int | None = None,
                     progress: Progress | None = None) -> Report:
        await self._reached(self.verifier.chain, await self.executors.in_thread(self.app.head))
        report = await self.executors.in_thread(self.verifier.verify, start, stop, progress)
        await self.commands.submit(c.RecordAuditAccess("verify", f"from={start} to={stop} ok={report.ok}"), context)
        return report

    def _aggregate(self, aggregate_id: UUID, version: int | None, at: datetime | None) -> dict[str, Any]:
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

    async def _recorded(self, context: CommandContext, action: str, target: str) -> None:
        position = await self.commands.submit(c.RecordAuditAccess(action, target), context)
        await self._reached(self.index, position)

    async def _reached(self, version: StoredVersion, position: int) -> None:
        """Wait (on the event loop) until the background host has consumed `position` into `version`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        while await self.executors.in_query_thread(version.position) < position:
            if loop.time() >= deadline:
                raise StaleReadModel(f"the audit trail has not reached position {position} within {self.timeout_s:g} s")
            await asyncio.sleep(POLL_S)

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
