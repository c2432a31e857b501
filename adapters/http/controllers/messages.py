"""/api/rooms/{room_id}/messages: send, page, search, unread, mark read, edit, delete, react."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from hubbub.application.threads import in_query_thread, in_thread

from ..dependencies import ContextDep, ReadModelsDep, ServicesDep, context_of, principal_of, runtime_of
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
from ..sending import send_message
from ..visibility import for_member

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
        sent = await send_message(runtime_of(request), context_of(request), room_id, data, idempotency_key)
        return command_response(sent.message, sent.position, status_code=201 if sent.created else 200)

    @get("/", responses=problems(403, 404, 409))
    async def page(
        self, request: Request, room_id: FromPath[UUID], read_models: ReadModelsDep,
        before: Cursor = None, after: Cursor = None, limit: Limit = 50,
    ) -> MessagePage:
        query = partial(read_models.messages, room_id, before=before, after=after, limit=limit)
        user_id = principal_of(request).user_id
        return msgspec.convert(await in_query_thread(for_member, read_models, room_id, user_id, query), MessagePage)

    @get("/search", opt=tier("search"), responses=problems(403, 404, 409))
    async def search(
        self, request: Request, room_id: FromPath[UUID], q: SearchQuery, read_models: ReadModelsDep,
        limit: Limit = 50,
    ) -> SearchResults:
        query = partial(read_models.search, [room_id], q, limit)
        items = await in_query_thread(for_member, read_models, room_id, principal_of(request).user_id, query)
        return SearchResults(msgspec.convert(items, list[SearchHit]))

    @get("/unread", responses=problems(403, 404, 409))
    async def unread(self, request: Request, room_id: FromPath[UUID], read_models: ReadModelsDep) -> Unread:
        user_id = principal_of(request).user_id
        query = partial(read_models.unread, user_id, room_id)
        return msgspec.convert(await in_query_thread(for_member, read_models, room_id, user_id, query), Unread)

    @post("/read", status_code=200, responses=problems(403, 404, 409))
    async def mark_read(self, request: Request, room_id: FromPath[UUID], data: JSONBody[ReadMark]) -> Response[ReadMarked]:
        """Move the caller's read marker forward (never back)."""
        reads = runtime_of(request).services.reads
        last_read, position = await in_thread(reads.mark_read, context_of(request), room_id, data.up_to_position)
        return command_response(ReadMarked(last_read, position), position)

    @patch("/{message_id:uuid}", opt=tier("messages"), responses=problems(403, 404, 409))
    async def edit(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], data: JSONBody[MessageUpdate],
        context: ContextDep, services: ServicesDep,
    ) -> Response[Message]:
        """Author only; `position` is the edit's."""
        editing = services.messages.editing(context, room_id, message_id, data.body)
        message, position = await services.writer.run(editing)
        return command_response(message_out(message, position), position)

    @delete("/{message_id:uuid}", opt=tier("messages"), status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def remove(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], context: ContextDep, services: ServicesDep,
    ) -> Response[None]:
        """Soft delete: the author, or a room owner/admin."""
        _, position = await services.writer.run(services.messages.deleting(context, room_id, message_id))
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @post("/{message_id:uuid}/reactions", opt=tier("messages"), status_code=200, responses=problems(403, 404, 409))
    async def react(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], data: JSONBody[ReactionCreate],
        context: ContextDep, services: ServicesDep,
    ) -> Response[Message]:
        adding = services.messages.adding_reaction(context, room_id, message_id, data.emoji)
        message, position = await services.writer.run(adding)
        return command_response(message_out(message, position), position)

    @delete("/{message_id:uuid}/reactions/{emoji:str}", opt=tier("messages"), status_code=HTTP_204_NO_CONTENT,
            responses=no_content(403, 404, 409))
    async def unreact(
        self, room_id: FromPath[UUID], message_id: FromPath[UUID], emoji: FromPath[str],
        context: ContextDep, services: ServicesDep,
    ) -> Response[None]:
        removing = services.messages.removing_reaction(context, room_id, message_id, emoji)
        _, position = await services.writer.run(removing)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)
