"""Analytics: /api/rooms/{room_id}/analytics for members, /api/analytics (every room) for admins."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.params import FromPath

from hubbub.application.visibility import for_member

from ..dependencies import PrincipalDep, ReadModelsDep, RuntimeDep
from ..openapi import SIGNED_IN, problems
from ..params import TimeZone
from ..schemas.analytics import Analytics
from ..security import admin_only, signed_in_only

SVG = "image/svg+xml"


class RoomAnalyticsController(Controller):
    path = "/api/rooms/{room_id:uuid}/analytics"
    tags = ["analytics"]
    opt = signed_in_only()
    security = SIGNED_IN

    @get("/", responses=problems(403, 404, 409))
    async def room_analytics(
        self, room_id: FromPath[UUID], principal: PrincipalDep, read_models: ReadModelsDep, runtime: RuntimeDep,
        tz: TimeZone = "UTC",
    ) -> Analytics:
        query = partial(read_models.analytics, room_id, tz)
        return msgspec.convert(await runtime.reads.ask(for_member, read_models, room_id, principal.user_id, query), Analytics)

    @get("/heatmap.svg", media_type=SVG, responses=problems(403, 404, 409))
    async def room_heatmap(
        self, room_id: FromPath[UUID], principal: PrincipalDep, read_models: ReadModelsDep, runtime: RuntimeDep,
        tz: TimeZone = "UTC",
    ) -> Response[str]:
        query = partial(read_models.heatmap_svg, room_id, tz)
        svg = await runtime.reads.ask(for_member, read_models, room_id, principal.user_id, query)
        return Response(svg, media_type=SVG)


class GlobalAnalyticsController(Controller):
    path = "/api/analytics"
    tags = ["analytics"]
    guards = [admin_only]
    security = SIGNED_IN

    @get("/", responses=problems(403, 409))
    async def all_rooms(self, read_models: ReadModelsDep, runtime: RuntimeDep, tz: TimeZone = "UTC") -> Analytics:
        return msgspec.convert(await runtime.reads.ask(read_models.analytics, None, tz), Analytics)

    @get("/heatmap.svg", media_type=SVG, responses=problems(403, 409))
    async def all_rooms_heatmap(self, read_models: ReadModelsDep, runtime: RuntimeDep, tz: TimeZone = "UTC") -> Response[str]:
        return Response(await runtime.reads.ask(read_models.heatmap_svg, None, tz), media_type=SVG)
