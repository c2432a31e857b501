"""/api/rooms: create, list, show, membership, mute and pins."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from hubbub.application import commands as c
from hubbub.application.visibility import visible_room

from ..dependencies import ContextDep, PrincipalDep, ReadModelsDep, RuntimeDep
from ..openapi import SIGNED_IN, no_content, problems
from ..presenters import room_out
from ..responses import command_response
from ..schemas.rooms import MembersAdd, Muted, MuteUpdate, Pin, Room, RoomCreate, RoomDetail, RoomSummary
from ..security import signed_in_only


class RoomsController(Controller):
    path = "/api/rooms"
    tags = ["rooms"]
    opt = signed_in_only()
    security = SIGNED_IN

    @post("/", responses=problems())
    async def create_room(self, data: JSONBody[RoomCreate], context: ContextDep, runtime: RuntimeDep) -> Response[Room]:
        """201 with the new room; a DM that exists already comes back with 200."""
        command = c.CreateRoom(data.kind, data.member_ids, data.name, data.topic, data.private)
        room, position, created = await runtime.commands.submit(command, context)
        return command_response(room_out(room, position), position, status_code=201 if created else 200)

    @get("/", responses=problems(409))
    async def list_rooms(self, principal: PrincipalDep, read_models: ReadModelsDep, runtime: RuntimeDep) -> list[RoomSummary]:
        """The caller's rooms with unread and mention counts, mute and the last message."""
        rooms = await runtime.reads.ask(read_models.rooms_of, principal.user_id)
        return msgspec.convert(rooms, list[RoomSummary])

    @get("/{room_id:uuid}", responses=problems(404, 409))
    async def show_room(
        self, room_id: FromPath[UUID], principal: PrincipalDep, read_models: ReadModelsDep, runtime: RuntimeDep,
    ) -> RoomDetail:
        """A room the caller can see: theirs, or a public one."""
        room = await runtime.reads.ask(visible_room, read_models, room_id, principal.user_id)
        return msgspec.convert(room, RoomDetail)

    @post("/{room_id:uuid}/members", status_code=200, responses=problems(403, 404, 409))
    async def add_members(
        self, room_id: FromPath[UUID], data: JSONBody[MembersAdd], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[Room]:
        """Invite users (or join a public room yourself by naming only yourself)."""
        room, position = await runtime.commands.submit(c.AddMembers(room_id, data.user_ids), context)
        return command_response(room_out(room, position), position)

    @delete("/{room_id:uuid}/members/{user_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def remove_member(
        self, room_id: FromPath[UUID], user_id: FromPath[UUID], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[None]:
        """Leave (yourself) or remove someone (owner/admin only)."""
        position = await runtime.commands.submit(c.RemoveMember(room_id, user_id), context)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @patch("/{room_id:uuid}/mute", responses=problems(403, 404, 409))
    async def mute(
        self, room_id: FromPath[UUID], data: JSONBody[MuteUpdate], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[Muted]:
        position = await runtime.commands.submit(c.SetMuted(room_id, data.muted), context)
        return command_response(Muted(room_id, data.muted, position), position)

    @post("/{room_id:uuid}/pins/{message_id:uuid}", status_code=200, responses=problems(403, 404, 409))
    async def pin(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[Pin]:
        position = await runtime.commands.submit(c.Pin(room_id, message_id), context)
        return command_response(Pin(room_id, message_id, True, position), position)

    @delete("/{room_id:uuid}/pins/{message_id:uuid}", status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def unpin(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[None]:
        position = await runtime.commands.submit(c.Unpin(room_id, message_id), context)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)
