"""Tiered rate limits per route: keyed by the caller's user id, or by client IP when anonymous."""

from __future__ import annotations

import logging

from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hubbub.adapters.bootstrap import Runtime
from hubbub.adapters.ratelimit.policy import Verdict
from hubbub.application.error_kinds import RATE_LIMITED

from .problems import ProblemError

TIER = "rate_tier"  # set in a route's (or its router's) opt; routes without it are not limited
log = logging.getLogger("hubbub.ratelimit")


def tier(name: str) -> dict[str, str]:
    return {TIER: name}


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["route_handler"].opt.get(TIER) if scope["type"] == "http" else None
        if name is None:
            await self.app(scope, receive, send)
            return
        verdict = await _hit(Litestar.from_scope(scope).state.runtime, name, _subject(scope))
        if verdict is None:
            await self.app(scope, receive, send)
            return
        headers = rate_headers(verdict)
        if not verdict.allowed:
            detail = f"too many {name} requests; try again in {verdict.reset_s} s"
            raise ProblemError(RATE_LIMITED.status, RATE_LIMITED.problem, detail, {**headers, "Retry-After": str(verdict.reset_s)})
        await self.app(scope, receive, _with_headers(send, headers))


async def _hit(runtime: Runtime, name: str, subject: str) -> Verdict | None:
    try:
        return await runtime.counter.hit(f"{name}:{subject}", runtime.rates[name])
    except Exception:  # a counter store outage must not take the API down: fail open, loudly
        log.exception("rate limit store unavailable; request let through", extra={"tier": name})
        return None


def _subject(scope: Scope) -> str:
    user = scope.get("user")
    if user is not None:
        return f"user:{user.user_id}"
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def rate_headers(verdict: Verdict) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(verdict.limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(verdict.reset_s),
        "RateLimit-Policy": f"{verdict.limit};w={verdict.window_s}",
    }


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    encoded = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *encoded]
        await send(message)

    return send_with_headers
