"""/api/notifications: the caller's inbox, marking it read, and category subscriptions."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from hubbub.application import commands as c
from hubbub.domain.errors import NotFound

from ..dependencies import ContextDep, PrincipalDep, ReadModelsDep, RuntimeDep
from ..openapi import SIGNED_IN, no_content, problems
from ..params import Limit, NotificationCursor
from ..responses import command_response
from ..schemas.common import Category
from ..schemas.notifications import (
    AllRead, BroadcastAccepted, BroadcastRequest, NotificationPage, NotificationRead, Subscription,
)
from ..security import admin_only, signed_in_only


class NotificationsController(Controller):
    path = "/api/notifications"
    tags = ["notifications"]
    opt = signed_in_only()
    security = SIGNED_IN

    @get("/", responses=problems(409))
    async def inbox(self, principal: PrincipalDep, read_models: ReadModelsDep, runtime: RuntimeDep,
                    cursor: NotificationCursor = None, limit: Limit = 50) -> NotificationPage:
        page = await runtime.reads.ask(read_models.notifications, principal.user_id, cursor, limit)
        return msgspec.convert(page, NotificationPage)

    @patch("/{notification_id:uuid}/read", responses=problems(404, 409))
    async def mark_read(self, notification_id: FromPath[UUID], principal: PrincipalDep, context: ContextDep,
                        runtime: RuntimeDep, read_models: ReadModelsDep) -> Response[NotificationRead]:
        """404 for a notification that is not the caller's (or not known yet: see min_position)."""
        if await runtime.reads.ask(read_models.notification, principal.user_id, notification_id) is None:
            raise NotFound(f"notification {notification_id} not found")
        position = await runtime.commands.submit(c.MarkNotificationsRead([notification_id]), context)
        return command_response(NotificationRead(notification_id, True, position), position)

    @patch("/read-all", responses=problems(409))
    async def mark_all_read(self, principal: PrincipalDep, context: ContextDep, runtime: RuntimeDep,
                            read_models: ReadModelsDep) -> Response[AllRead]:
        """Everything notified so far is read; `updated` counts what was unread."""
        head = await runtime.executors.in_thread(runtime.services.app.head)
        updated = await runtime.reads.ask(read_models.unread_notifications, principal.user_id, head)
        read_up_to, position = await runtime.commands.submit(c.MarkAllNotificationsRead(head), context)
        return command_response(AllRead(updated, read_up_to, position), position)

    @post("/categories/{category:str}/subscription", status_code=200, responses=problems())
    async def subscribe(
        self, category: FromPath[Category], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[Subscription]:
        position = await runtime.commands.submit(c.SetCategorySubscription(category, True), context)
        return command_response(Subscription(category, True, position), position)

    @delete("/categories/{category:str}/subscription", status_code=HTTP_204_NO_CONTENT, responses=no_content())
    async def unsubscribe(
        self, category: FromPath[Category], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[None]:
        position = await runtime.commands.submit(c.SetCategorySubscription(category, False), context)
        return command_response(None, position, status_code=HTTP_204_NO_CONTENT)

    @post("/broadcast", status_code=HTTP_202_ACCEPTED, guards=[admin_only], responses=problems(403))
    async def broadcast(
        self, data: JSONBody[BroadcastRequest], context: ContextDep, runtime: RuntimeDep,
    ) -> Response[BroadcastAccepted]:
        """Admins only: delivered to every inbox (transactional) or the category's subscribers (promotional)."""
        command = c.Broadcast(data.category, data.title, data.body, data.priority)
        broadcast_id, position = await runtime.commands.submit(command, context)
        return command_response(BroadcastAccepted(broadcast_id, position), position, status_code=HTTP_202_ACCEPTED)
