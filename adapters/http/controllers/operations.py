"""/health, /ready and /metrics: for load balancers and Prometheus, outside the API's limits."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import CONTENT_TYPE_LATEST

from ..operator import ensure_operator, is_operator
from ..readiness import readiness
from .asyncapi import asyncapi


@get("/health", sync_to_thread=False, include_in_schema=True, tags=["operations"])
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get("/ready", tags=["operations"])
async def ready(request: Request, state: State) -> Response[dict]:
    """Each backing store answers: the event store, the read store, Redis (when configured), the
    delivery broker (when HUBBUB_DELIVERY_BROKER_URL names one), and the socket gateway's feed
    tail. A projector's error text shows only to the HUBBUB_METRICS_TOKEN bearer."""
    show_errors = is_operator(request.scope, state.runtime.settings)
    checks = await readiness(state.runtime, state.get("gateway"), show_errors=show_errors,
                             delivery_broker=state.get("delivery_broker"))
    healthy = all(check["status"] == "ok" for check in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return Response(body, status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE)


@get("/metrics", tags=["operations"], media_type=CONTENT_TYPE_LATEST)
async def metrics(request: Request, state: State) -> Response[bytes]:
    """Prometheus text format: requests and latencies by route, events appended, projection lag.
    With HUBBUB_METRICS_TOKEN set, only for that bearer token."""
    ensure_operator(request.scope, state.settings)
    return Response(await state.runtime.executors.in_thread(state.metrics.exposition), media_type=CONTENT_TYPE_LATEST)


OPERATIONS = [health, ready, metrics, asyncapi]
