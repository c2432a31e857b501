"""/api/audit: the audit trail, for admins only. Every answer is itself recorded in the log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED

from hubbub.application import commands as c
from hubbub.application.threads import Executors
from hubbub.domain.errors import InvalidInput
from hubbub.projections.audit.queries import EventFilter

from ..dependencies import ContextDep, RuntimeDep
from ..openapi import SIGNED_IN, problems
from ..params import Limit
from ..responses import command_response
from ..schemas.audit import ErasureAccepted, ErasureRequest
from ..security import admin_only

NDJSON = "application/x-ndjson"
MAX_POSITION = 2**62  # stores keep positions in signed 64-bit integers
Position = Annotated[int | None, QueryParameter(ge=0, le=MAX_POSITION, description="A position in the log")]
AuditCursor = Annotated[str | None, QueryParameter(max_length=18, pattern="^[0-9]+$")]
Text = Annotated[str | None, QueryParameter(min_length=1, max_length=200)]


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(name, "needs a time zone offset, e.g. 2024-03-01T12:00:00Z")
    return value


async def _pulled(chunks: Iterator[bytes], executors: Executors) -> AsyncIterator[bytes]:
    """Each chunk read from the log in one of the runtime's threads, never on the event loop."""
    while (chunk := await executors.in_thread(next, chunks, None)) is not None:
        yield chunk


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]
    guards = [admin_only]
    security = SIGNED_IN

    @get("/events", responses=problems(403, 409, 422))
    async def events(
        self, runtime: RuntimeDep, context: ContextDep, aggregate_id: FromQuery[UUID | None] = None,
        actor_id: FromQuery[UUID | None] = None, type: Text = None, since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None, after_position: Position = None, limit: Limit = 50,
        order: FromQuery[Literal["newest", "oldest"]] = "newest", cursor: AuditCursor = None,
    ) -> dict[str, Any]:
        wanted = EventFilter(
            aggregate_id=aggregate_id and str(aggregate_id), actor_id=actor_id and str(actor_id), type=type,
            since=_aware("since", since), until=_aware("until", until), after_position=after_position,
            newest_first=order == "newest", cursor=int(cursor) if cursor else None, limit=limit,
        )
        return await runtime.audit.events(context, wanted)

    @get("/requests/{correlation_id:str}", responses=problems(403, 409))
    async def request(self, runtime: RuntimeDep, context: ContextDep, correlation_id: FromPath[str]) -> dict[str, Any]:
        return await runtime.audit.request(context, correlation_id[:200])

    @get("/aggregates/{aggregate_id:uuid}", responses=problems(403, 404, 409, 422))
    async def aggregate(
        self, runtime: RuntimeDep, context: ContextDep, aggregate_id: FromPath[UUID],
        version: Annotated[int | None, QueryParameter(ge=1, le=MAX_POSITION)] = None, at: FromQuery[datetime | None] = None,
    ) -> dict[str, Any]:
        if version is not None and at is not None:
            raise InvalidInput("at", "give version or at, not both")
        return await runtime.audit.aggregate(context, aggregate_id, version, _aware("at", at))

    @get("/verify", responses=problems(403, 409))
    async def verify(
        self, runtime: RuntimeDep, context: ContextDep,
        start: Annotated[int, QueryParameter(name="from", ge=1, le=MAX_POSITION)] = 1,
        stop: Annotated[int | None, QueryParameter(name="to", ge=1, le=MAX_POSITION)] = None,
    ) -> dict[str, Any]:
        report = await runtime.audit.verify(context, start, stop)
        return report.as_dict()

    @get("/export", media_type=NDJSON, responses=problems(403, 409))
    async def export(self, runtime: RuntimeDep, context: ContextDep, after_position: Position = None) -> Stream:
        chunks = await runtime.audit.export(context, after_position or 0)
        return Stream(_pulled(chunks, runtime.executors), media_type=NDJSON)

    @post("/erasures", status_code=HTTP_202_ACCEPTED, responses=problems(403, 404, 409))
    async def erase(
        self, data: JSONBody[ErasureRequest], runtime: RuntimeDep, context: ContextDep,
    ) -> Response[ErasureAccepted]:
        """Destroy the user's key: their personal data reads "[erased]" everywhere from now on."""
        position = await runtime.commands.submit(c.EraseUser(data.user_id, data.reason), context)
        return command_response(ErasureAccepted(position), position, status_code=HTTP_202_ACCEPTED)
