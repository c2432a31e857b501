"""Who is calling: the bearer token is read once per request and identified (adapters/auth/identify.py)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from hubbub.adapters.auth.identify import Identity, identify
from hubbub.adapters.auth.tokens import TokenRejected
from hubbub.adapters.bootstrap import Runtime

from .problems import ProblemError


class AuthenticationMiddleware:
    """Never refuses by itself: it records who is calling (or why not); guards decide."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            runtime: Runtime = Litestar.from_scope(scope).state.runtime
            scope["user"], scope["auth"] = await _identified(runtime, _authorization(scope))
        await self.app(scope, receive, send)


async def _identified(runtime: Runtime, authorization: str | None) -> tuple[Identity | None, str | None]:
    """(identity, None) for a live session's access token, else (None, why not)."""
    if not authorization:
        return None, "this endpoint needs an access token: Authorization: Bearer <token>"
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, "the Authorization header must be: Bearer <token>"
    try:
        return await identify(runtime, token.strip()), None
    except TokenRejected as rejected:
        return None, str(rejected)


def _authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


SIGNED_IN_ONLY = "signed_in_only"


def signed_in_only() -> dict[str, bool]:
    """A route's (or controller's) opt: anonymous callers get 401."""
    return {SIGNED_IN_ONLY: True}


class SignedInMiddleware:
    """Enforces signed_in_only(), after the rate limit and body checks as a guard would be.

    Not a guard: Litestar copies the route handler for every guard call, which on the busiest
    routes cost more than the check itself.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["route_handler"].opt.get(SIGNED_IN_ONLY):
            _ensure_signed_in(scope)
        await self.app(scope, receive, send)


def _ensure_signed_in(scope: Scope) -> None:
    if scope.get("user") is None:
        raise ProblemError(401, "unauthorized", scope.get("auth") or "not signed in")


# Guards: async, because Litestar runs a sync guard in a worker thread.

async def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _ensure_signed_in(connection.scope)


async def admin_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    await signed_in(connection, handler)
    runtime: Runtime = connection.app.state.runtime
    account = await runtime.executors.in_thread(runtime.services.accounts.get, connection.scope["user"].user_id)
    if not account.is_admin:
        raise ProblemError(403, "forbidden", "only admins may do this")


# Where a request comes from: the peer, or what a trusted proxy says the peer was.

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(scope: Scope, trusted_proxies: list[str]) -> str:
    """The peer address; behind proxies listed in settings, the nearest X-Forwarded-For hop that
    is not one of them. An X-Forwarded-For from anyone else is the client's say-so, and ignored."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    networks = _networks(tuple(trusted_proxies))
    if not networks or not _within(peer, networks):
        return peer
    hops = [hop.strip() for hop in _forwarded_for(scope).split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, networks):
            return hop if _address(hop) is not None else peer
    return hops[0] if hops else peer


def _forwarded_for(scope: Scope) -> str:
    values = [value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"]
    return ",".join(values)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _within(text: str, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; settings list them as a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address
