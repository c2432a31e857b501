"""The "/" namespace: connect (auth, limits, the first sync), disconnect, and every other event
routed to the socket commands."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import socketio
from socketio.exceptions import ConnectionRefusedError as Refusal

from . import wiring
from .commands import handle, refusal
from .connections import Connection
from .replay import sync

if TYPE_CHECKING:
    from .gateway import Gateway


class GatewayNamespace(socketio.AsyncNamespace):
    def __init__(self, gateway: Gateway):
        super().__init__("/")
        self.gateway = gateway

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            return await self.connect(*args[:3]) if len(args) >= 3 else await self.connect(args[0], args[1], None)
        if event == "disconnect":
            self.gateway.forget(args[0])
            return None
        connection = self.gateway.connections.by_sid.get(args[0]) if args else None
        if connection is None or connection.closing:
            return refusal("unavailable", "this socket is closing")
        return await handle(self.gateway, connection, event, args[1:])

    async def connect(self, sid: str, environ: dict, auth: Any) -> None:
        gateway = self.gateway
        if gateway.runtime is None:
            raise Refusal("unavailable", {"detail": "the server is starting"})
        auth = auth if isinstance(auth, dict) else {}
        try:
            identity = await wiring.identify(gateway.runtime, auth.get("token"))
            since = _since(auth.get("since"))
        except wiring.Refused as refused:
            gateway.metrics.refusals.labels(refused.code).inc()
            raise Refusal(refused.code, {"detail": refused.detail}) from None
        head = await gateway.in_thread(gateway.log_head)  # before accepting: nothing after it is missed
        limit = gateway.runtime.settings.gateway_connections_per_user
        if not await gateway.slots.take(identity.user_id, sid, limit):
            gateway.metrics.refusals.labels("too_many_connections").inc()
            raise Refusal("too_many_connections", {"detail": f"at most {limit} sockets per user"})
        connection = Connection(sid, identity.user_id, identity.session_id)
        gateway.connections.add(connection)
        loop = asyncio.get_running_loop()
        connection.expiry = loop.call_later(max(0.0, identity.expires_at - time.time()), lambda: gateway.spawn(
            gateway.end(connection, "token_expired")))
        gateway.spawn(sync(gateway, connection, since, head))
        connection.announced = gateway.spawn(gateway.announce(connection))


def _since(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise wiring.Refused("invalid_input", "auth.since must be a position: an integer, 0 or more")
    return value
