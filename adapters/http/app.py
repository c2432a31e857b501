"""The Litestar application: built by a factory, wired at startup, never at import."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from litestar.response import Response

from adapters.bootstrap import bootstrap
from adapters.settings import Settings, load_settings
from application.threads import in_thread


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready")
async def ready(state: State) -> Response[dict]:
    checks = {"event_store": await _event_store_check(state)}
    healthy = all(check["status"] == "ok" for check in checks.values())
    code = HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE
    return Response({"status": "ok" if healthy else "unavailable", "checks": checks}, status_code=code)


async def _event_store_check(state: State) -> dict:
    try:
        head = await in_thread(state.services.app.head)
    except Exception as error:  # noqa: BLE001 - readiness reports any failure, it must not raise
        return {"status": "fail", "error": type(error).__name__}
    return {"status": "ok", "head": head}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()

    async def start(app: Litestar) -> None:
        app.state.services = await in_thread(bootstrap, settings)

    async def stop(app: Litestar) -> None:
        if getattr(app.state, "services", None) is not None:
            await in_thread(app.state.services.close)

    return Litestar(route_handlers=[health, ready], on_startup=[start], on_shutdown=[stop])
