"""The socket.io server and the ASGI app that serves it beside the HTTP API, on one port."""

from __future__ import annotations

import socketio
from litestar import Litestar

from hubbub.adapters.settings import Settings

from .gateway import Gateway
from .metrics import GatewayMetrics
from .namespace import GatewayNamespace
from .schemas import MAX_PAYLOAD_BYTES

# Frames up to this size reach the handlers, which refuse payloads over 64 KiB with an ack;
# larger ones are dropped by engine.io with the connection.
MAX_FRAME_BYTES = 16 * MAX_PAYLOAD_BYTES


def build_gateway(settings: Settings, metrics: GatewayMetrics, websocket_only: bool) -> Gateway:
    """Builds, connects nothing: the app's startup starts it."""
    sio = socketio.AsyncServer(
        async_mode="asgi", cors_allowed_origins=list(settings.cors_origins) or None,
        max_http_buffer_size=MAX_FRAME_BYTES, logger=False, engineio_logger=False,
        # Several workers on one port share no engine.io sessions: long-polling would land its
        # requests on workers that never saw the handshake, so they get websockets only.
        transports=["websocket"] if websocket_only else ["polling", "websocket"],
    )
    gateway = Gateway(sio, metrics)
    sio.register_namespace(GatewayNamespace(gateway))
    return gateway


def with_sockets(app: Litestar) -> socketio.ASGIApp:
    """/socket.io to the gateway, everything else (lifespan included: no on_startup here) to Litestar."""
    return socketio.ASGIApp(app.state.gateway.sio, other_asgi_app=app, socketio_path="socket.io")
