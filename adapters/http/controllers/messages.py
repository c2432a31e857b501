"""/api/rooms/{room_id}/messages: send, page, search, unread, mark read, edit, delete, react."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from hubbub.application import commands as c
from hubbub.application.sending import one_key, send_message
from hubbub.application.visibility import for_member

from ..dependencies import ContextDep, ReadModelsDep, RuntimeDep, context_of, principal_of, runtime_of
from ..openapi import SIGNED_IN, no_content, problems
from ..params import Cursor, IdempotencyKey, Limit, SearchQuery
from ..presenters import message_out
from ..ratelimit import tier
from ..responses import command_response
from ..schemas.messages import (
    Message, MessageCreate, MessagePage, MessageUpdate, ReactionCreate, ReadMark, ReadMarked,
    SearchHit, SearchResults, Unread,
)
from ..security import signed_in_only

REPLAYED = {200: ResponseSpec(Message, description="The same key again: the original message, nothing appended")}


class MessagesController(Controller):
    path = "/api/rooms/{room_id:uuid}/messages"
    tags = ["messages"]
    opt = signed_in_only()
    security = SIGNED_IN

    @post("/", opt=tier("messages"), responses={**problems(403, 404, 409), **REPLAYED})
    async def send(
        self, request: Request, room_id: FromPath[UUID], data: JSONBody[MessageCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Message]:
        """201 with the new message; the same Idempotency-Key or client_msg_id again → 200, nothing appended."""
        runtime = runtime_of(request)
        command = c.SendMessage(room_id, data.body, one_key(data.client_msg_id, idempotency_key), data.thread_id)
        sent = await send_message(runtime.commands, runtime.reads, context_of(request), command)
        return command_response(message_out(sent.message, sent.position), sent.position,
                                status_code=201 if sent.created else 200)

    @get("/", responses=problems(403, 404, 409))
    async def page(
        self, request: Request, room_id: FromPath[UUID], read_models: ReadModelsDep,
        before: Cursor = None, after: Cursor = None, limit: Limit = 50,
    ) -> MessagePage:
        query = partial(read_models.messages, room_id, before=before, after=after, limit=limit)
        user_id = principal_of(request).user_id
        answer = await runtime_of(request).reads.ask(for_member, read_models, room_id, user_id, query)
        return msgspec.convert(answer, MessagePage)

    @get("/search", opt=tier("search"), responses=problems(403, 404, 409))
    async def search(
        self, request: Request, room_id: FromPath[UUID], q: SearchQuery, read_models: ReadModelsDep,
        limit: Limit = 50,
    ) -> SearchResults:
        query = partial(read_models.search, [room_id], q, limit)
        items = await runtime_of(request).reads.ask(for_member, read_models, room_id, principal_of(request).user_id, query)
        return SearchResults(msgspec.convert(items, list[SearchHit]))

    @get("/unread", responses=problems(403, 404, 409))
    async def unread(self, request: Request, room_id: FromPath[UUID], read_models: ReadModelsDep) -> Unread:
        user_id = principal_of(request).user_id
        query = partial(read_models.unread, user_id, room_id)
        return msgspec.convert(await runtime_of(request).reads.ask(for_member, read_models, room_id, user_id, query), Unread)

    @post("/read", status_code=200, responses=problems(403, 404, 409))
    async def mark_read(self, request: Request, room_id: FromPath[UUID], data: JSONBody[ReadMark]) -> Response[ReadMarked]:
        """Move the caller's read marker forward (never back)."""
        command = c.MarkRead(room_id, data.up_to_position)
        last_read, position = await runtime_of(request).commands.submit(command, context_of(request))
        return command_response(ReadMarked(last_read, position), position)

    @patch("/{message_id:uuid}", opt=tier("messages"), responses=problems(403, 404, 409))
    async def edit(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], data: JSONBody[MessageUpdate],
        context: ContextDep, runtime: RuntimeDep,
    ) -> Response[Message]:
        """Author only; `position` is the edit's."""
        message, position = await runtime.commands.submit(c.EditMessage(room_id, message_id, data.body), context)
        return command_response(message_out(message, position), position)

    @delete("/{message_id:uuid}", opt=tier("messages"), status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def remove(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[None]:
        """Soft delete: the author, or a room owner/admin."""
        _, position = await runtime.commands.submit(c.DeleteMessage(room_id, message_id), context)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @post("/{message_id:uuid}/reactions", opt=tier("messages"), status_code=200, responses=problems(403, 404, 409))
    async def react(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], data: JSONBody[ReactionCreate],
        context: ContextDep, runtime: RuntimeDep,
    ) -> Response[Message]:
        message, position = await runtime.commands.submit(c.AddReaction(room_id, message_id, data.emoji), context)
        return command_response(message_out(message, position), position)

    @delete("/{message_id:uuid}/reactions/{emoji:str}", opt=tier("messages"), status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def unreact(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], emoji: FromPath[str],
        context: ContextDep, runtime: RuntimeDep,
    ) -> Response[None]:
        _, position = await runtime.commands.submit(c.RemoveReaction(room_id, message_id, emoji), context)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)
