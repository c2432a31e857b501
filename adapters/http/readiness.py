"""Readiness checks, one per backing store, each reporting its own status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from hubbub.adapters.bootstrap import Runtime
from hubbub.adapters.notifications.broker_probe import BrokerProbe

CHECK_TIMEOUT_S = 3.0
HIDDEN = "hidden: the HUBBUB_METRICS_TOKEN bearer sees it"


async def readiness(runtime: Runtime, gateway=None, show_errors: bool = False,
                    delivery_broker: BrokerProbe | None = None) -> dict[str, dict]:
    checks = {
        "event_store": lambda: runtime.executors.in_thread(_event_store, runtime),
        "read_store": lambda: runtime.executors.in_thread(_read_store, runtime, show_errors),
    }
    if gateway is not None:
        checks["gateway"] = lambda: runtime.executors.in_thread(_gateway, gateway)
    if runtime.settings.redis_url:
        checks["redis"] = lambda: _redis(runtime)
    if delivery_broker is not None:
        checks["delivery_broker"] = delivery_broker.check
    return {name: await _checked(check) for name, check in checks.items()}


async def _checked(check: Callable[[], Awaitable[dict]]) -> dict:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            return {"status": "ok", **await check()}
    except Exception as error:  # readiness reports any failure; it must not raise
        return {"status": "fail", "error": type(error).__name__}


def _event_store(runtime: Runtime) -> dict:
    return {"head": runtime.services.app.head()}


def _read_store(runtime: Runtime, show_errors: bool) -> dict:
    health = runtime.read_models.health()
    if not health["ok"]:
        raise ReadStoreDown(health)
    projections = health["projections"]
    if not show_errors:
        projections = {name: {**p, "error": HIDDEN if p["error"] else None} for name, p in projections.items()}
    return {"processed_position": runtime.read_models.processed_position(), "lag": runtime.read_models.lag(),
            "background": health["background"], "projections": projections}


class ReadStoreDown(Exception):
    pass


def _gateway(gateway) -> dict:
    """Not ready when its feed tail has stopped or cannot read; its lag is how far it is behind the log."""
    tail = gateway.tail
    if tail is None or not tail.running or tail.failed:
        raise GatewayDown(tail.failed if tail else "not started")
    return {"position": tail.position, "lag": gateway.lag(), "sockets": len(gateway.connections)}


class GatewayDown(Exception):
    pass


async def _redis(runtime: Runtime) -> dict:
    await runtime.counter.ping()
    return {}
