"""The Litestar application: built by a factory, wired at startup, never at import."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State

from hubbub.adapters.bootstrap import start_runtime
from hubbub.adapters.gateway.metrics import GatewayMetrics
from hubbub.adapters.gateway.server import build_gateway, with_sockets
from hubbub.adapters.notifications.broker_probe import delivery_broker_probe
from hubbub.adapters.settings import Settings, load_settings

from .bodies import MAX_BODY_BYTES, BodyMiddleware
from .controllers.analytics import GlobalAnalyticsController, RoomAnalyticsController
from .controllers.audit import AuditController
from .controllers.auth import AuthController
from .controllers.channels import ChannelsController
from .controllers.messages import MessagesController
from .controllers.notifications import NotificationsController
from .controllers.operations import OPERATIONS
from .controllers.presence import PresenceController
from .controllers.rooms import RoomsController
from .controllers.sessions import SessionsController
from .dependencies import DEPENDENCIES
from .edge import Edge
from .metrics import HttpMetrics
from .openapi import openapi_config
from .problems import handle_exception
from .ratelimit import RateLimitMiddleware, tier
from .security import AuthenticationMiddleware, SignedInMiddleware

API_CONTROLLERS = [
    AuthController, SessionsController, RoomsController, MessagesController, NotificationsController,
    RoomAnalyticsController, GlobalAnalyticsController, PresenceController, ChannelsController,
    AuditController,
]


def create_app(settings: Settings | None = None, websocket_only: bool = False) -> Litestar:
    """The HTTP API; its startup also starts the socket gateway, which `serve()` mounts beside it."""
    settings = settings or load_settings()
    metrics = HttpMetrics()
    gateway = build_gateway(settings, GatewayMetrics(metrics.registry), websocket_only)

    async def start(app: Litestar) -> None:
        runtime = app.state.runtime = await start_runtime(settings)
        metrics.watch_log(runtime.services.app.head, runtime.read_models.lag, runtime.commands.stats)
        await gateway.start(runtime)

    async def stop(app: Litestar) -> None:
        await gateway.stop()
        if getattr(app.state, "runtime", None) is not None:
            await app.state.runtime.close()

    app = Litestar(
        route_handlers=[*OPERATIONS, Router("/", route_handlers=API_CONTROLLERS, opt=tier("other"))],
        on_startup=[start],
        on_shutdown=[stop],
        # Outermost first: who is calling, what they sent (login and refresh are counted by their
        # body's username and session), how often, then may they.
        middleware=[AuthenticationMiddleware, BodyMiddleware, RateLimitMiddleware, SignedInMiddleware],
        dependencies=DEPENDENCIES,
        exception_handlers={Exception: handle_exception},
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=openapi_config(),
        cors_config=_cors(settings),
        logging_config=None,
        state=State({"settings": settings, "metrics": metrics, "gateway": gateway,
                     "delivery_broker": delivery_broker_probe(settings)}),
    )
    # Around everything Litestar does, unrouted 404s included: request ids, headers, metrics, logs.
    app.asgi_handler = Edge(app.asgi_handler, metrics)
    return app


def served(settings: Settings, websocket_only: bool = False):
    """What `hubbub serve` runs: the HTTP API with the socket gateway at /socket.io, on one port."""
    return with_sockets(create_app(settings, websocket_only))


def app_from_environment():
    """What each worker of `hubbub serve --workers N` serves: settings and logging of its own."""
    from hubbub.adapters.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    return served(settings, websocket_only=True)


def _cors(settings: Settings) -> CORSConfig | None:
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining",
                        "RateLimit-Reset", "RateLimit-Policy", "Hubbub-Position"],
    )
