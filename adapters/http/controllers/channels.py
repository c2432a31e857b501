"""/api/notifications/channels and /deliveries: where digests go when no socket takes them, and how it went."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, put
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from hubbub.adapters.notifications.channels.webhook import validated_url

from ..dependencies import PrincipalDep, runtime_of
from ..openapi import SIGNED_IN, no_content, problems
from ..params import Limit
from ..schemas.channels import (
    Deliveries, DeliveryStatus, EmailChannelIn, EmailChannelOut, WebhookChannelIn, WebhookChannelOut,
)
from ..security import signed_in_only

StatusFilter = Annotated[DeliveryStatus | None, QueryParameter(description="Only deliveries in this state")]


class ChannelsController(Controller):
    path = "/api/notifications"
    tags = ["notifications"]
    opt = signed_in_only()
    security = SIGNED_IN

    @put("/channels/webhook", responses=problems(422))
    async def set_webhook(self, request: Request, data: JSONBody[WebhookChannelIn],
                          principal: PrincipalDep) -> WebhookChannelOut:
        """Deliveries are POSTed as JSON, signed `Hubbub-Signature: sha256=<hex HMAC of the body>`."""
        config = {"url": validated_url(data.url), "secret": data.secret}
        await _outbox(request, "set_channel", str(principal.user_id), "webhook", config)
        return WebhookChannelOut(data.url)

    @delete("/channels/webhook", status_code=HTTP_204_NO_CONTENT, responses=no_content())
    async def remove_webhook(self, request: Request, principal: PrincipalDep) -> None:
        await _outbox(request, "remove_channel", str(principal.user_id), "webhook")

    @put("/channels/email", responses=problems(422))
    async def set_email(self, request: Request, data: JSONBody[EmailChannelIn],
                        principal: PrincipalDep) -> EmailChannelOut:
        """Used when the server has HUBBUB_SMTP_URL."""
        await _outbox(request, "set_channel", str(principal.user_id), "email", {"address": data.address})
        return EmailChannelOut(data.address)

    @delete("/channels/email", status_code=HTTP_204_NO_CONTENT, responses=no_content())
    async def remove_email(self, request: Request, principal: PrincipalDep) -> None:
        await _outbox(request, "remove_channel", str(principal.user_id), "email")

    @get("/deliveries", responses=problems(422))
    async def deliveries(self, request: Request, principal: PrincipalDep, status: StatusFilter = None,
                         limit: Limit = 50) -> Deliveries:
        """The caller's own deliveries, newest first."""
        found = await _outbox(request, "deliveries_of", str(principal.user_id), status, limit)
        items = [{**d, "at": datetime.fromtimestamp(d["at"], UTC)} for d in found]
        return msgspec.convert({"items": items}, Deliveries)


async def _outbox(request: Request, method: str, *args: Any) -> Any:
    """Calls the outbox (SQLite, blocking) on one of the runtime's threads."""
    runtime = runtime_of(request)
    return await runtime.executors.in_thread(getattr(runtime.outbox, method), *args)
