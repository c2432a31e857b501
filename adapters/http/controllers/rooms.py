"""/api/rooms: create, list, show, membership, mute and pins."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.status_codes import HTTP_204_NO_CONTENT

from litestar.params import FromPath, JSONBody

from hubbub.application.threads import in_query_thread, in_thread

from ..dependencies import ContextDep, PrincipalDep, ReadModelsDep, ServicesDep
from ..openapi import SIGNED_IN, no_content, problems
from ..presenters import room_out
from ..responses import command_response
from ..schemas.rooms import MembersAdd, Muted, MuteUpdate, Pin, Room, RoomCreate, RoomDetail, RoomSummary
from ..security import signed_in_only
from ..visibility import visible_room


class RoomsController(Controller):
    path = "/api/rooms"
    tags = ["rooms"]
    opt = signed_in_only()
    security = SIGNED_IN

    @post("/", responses=problems())
    async def create_room(
        self, data: JSONBody[RoomCreate], context: ContextDep, services: ServicesDep,
    ) -> Response[Room]:
        """201 with the new room; a DM that exists already comes back with 200."""
        room, position, created = await in_thread(
            services.rooms.create, context, data.kind, data.member_ids, data.name, data.topic, data.private
        )
        return command_response(room_out(room, position), position, status_code=201 if created else 200)

    @get("/", responses=problems(409))
    async def list_rooms(self, principal: PrincipalDep, read_models: ReadModelsDep) -> list[RoomSummary]:
        """The caller's rooms with unread and mention counts, mute and the last message."""
        rooms = await in_query_thread(read_models.rooms_of, principal.user_id)
        return msgspec.convert(rooms, list[RoomSummary])

    @get("/{room_id:uuid}", responses=problems(404, 409))
    async def show_room(
        self, room_id: FromPath[UUID], principal: PrincipalDep, read_models: ReadModelsDep,
    ) -> RoomDetail:
        """A room the caller can see: theirs, or a public one."""
        room = await in_query_thread(visible_room, read_models, room_id, principal.user_id)
        return msgspec.convert(room, RoomDetail)

    @post("/{room_id:uuid}/members", status_code=200, responses=problems(403, 404, 409))
    async def add_members(
        self, room_id: FromPath[UUID], data: JSONBody[MembersAdd], context: ContextDep, services: ServicesDep,
    ) -> Response[Room]:
        """Invite users (or join a public room yourself by naming only yourself)."""
        room, position = await in_thread(services.rooms.add_members, context, room_id, data.user_ids)
        return command_response(room_out(room, position), position)

    @delete("/{room_id:uuid}/members/{user_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def remove_member(
        self, room_id: FromPath[UUID], user_id: FromPath[UUID], context: ContextDep, services: ServicesDep,
    ) -> Response[None]:
        """Leave (yourself) or remove someone (owner/admin only)."""
        position = await in_thread(services.rooms.remove_member, context, room_id, user_id)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @patch("/{room_id:uuid}/mute", responses=problems(403, 404, 409))
    async def mute(
        self, room_id: FromPath[UUID], data: JSONBody[MuteUpdate], context: ContextDep, services: ServicesDep,
    ) -> Response[Muted]:
        position = await in_thread(services.rooms.set_muted, context, room_id, data.muted)
        return command_response(Muted(room_id, data.muted, position), position)

    @post("/{room_id:uuid}/pins/{message_id:uuid}", status_code=200, responses=problems(403, 404, 409))
    async def pin(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], context: ContextDep, services: ServicesDep,
    ) -> Response[Pin]:
        position = await in_thread(services.rooms.pin, context, room_id, message_id)
        return command_response(Pin(room_id, message_id, True, position), position)

    @delete("/{room_id:uuid}/pins/{message_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def unpin(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], context: ContextDep, services: ServicesDep,
    ) -> Response[None]:
        position = await in_thread(services.rooms.unpin, context, room_id, message_id)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)
