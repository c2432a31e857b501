"""Tiered rate limits per route, keyed as the contract's table says.

register: the client IP. login: the username tried and, separately, the client IP. password (a
signed-in password change, which checks a password like a login): the login tiers, by the user
and the client IP. refresh (and logout, which spends the same token): the session the refresh
token belongs to. Every other tier: the signed-in user, else the client IP.
The anonymous tiers never look at an access token, so attaching one cannot move their budget.
The client IP is the peer address unless the peer is a trusted proxy (security.client_ip).
"""

from __future__ import annotations

import logging

import msgspec
from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from hubbub.adapters.auth.tokens import TokenRejected
from hubbub.adapters.bootstrap import Runtime
from hubbub.adapters.ratelimit.policy import Verdict
from hubbub.application.error_kinds import RATE_LIMITED

from .problems import ProblemError
from .security import client_ip

TIER = "rate_tier"  # set in a route's (or its router's) opt; routes without it are not limited
MAX_USERNAME_KEY = 64
log = logging.getLogger("hubbub.ratelimit")


def tier(name: str) -> dict[str, str]:
    return {TIER: name}


class _LoginBody(msgspec.Struct):
    username: str = ""


class _RefreshBody(msgspec.Struct):
    refresh_token: str = ""


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["route_handler"].opt.get(TIER) if scope["type"] == "http" else None
        if name is None:
            await self.app(scope, receive, send)
            return
        runtime: Runtime = Litestar.from_scope(scope).state.runtime
        verdicts = [await _hit(runtime, tier_name, subject) for tier_name, subject in counted(name, scope, runtime)]
        verdict = _deciding([v for v in verdicts if v is not None])
        if verdict is None:
            await self.app(scope, receive, send)
            return
        headers = rate_headers(verdict)
        if not verdict.allowed:
            detail = f"too many {name} requests; try again in {verdict.reset_s} s"
            raise ProblemError(RATE_LIMITED.status, RATE_LIMITED.problem, detail, {**headers, "Retry-After": str(verdict.reset_s)})
        await self.app(scope, receive, _with_headers(send, headers))


def counted(name: str, scope: Scope, runtime: Runtime) -> list[tuple[str, str]]:
    """The (rate tier, subject) counters a request of route tier `name` counts against."""
    ip = f"ip:{client_ip(scope, runtime.settings.trusted_proxies)}"
    if name == "register":
        return [("register", ip)]
    if name == "login":
        username = _login_username(scope)
        return ([("login", f"name:{username}")] if username else []) + [("login_ip", ip)]
    if name == "refresh":
        return [("refresh", _refresh_session(scope, runtime) or ip)]
    user = scope.get("user")
    if name == "password":
        return ([("login", f"user:{user.user_id}")] if user is not None else []) + [("login_ip", ip)]
    return [(name, f"user:{user.user_id}" if user is not None else ip)]


def _login_username(scope: Scope) -> str:
    body = _json_body(scope, _LoginBody)
    return body.username.strip().lower()[:MAX_USERNAME_KEY] if body else ""


def _refresh_session(scope: Scope, runtime: Runtime) -> str:
    body = _json_body(scope, _RefreshBody)
    if not body or not body.refresh_token:
        return ""
    try:
        return f"session:{runtime.tokens.read_refresh(body.refresh_token).session_id}"
    except TokenRejected:  # the handler answers 401; until then, count it by address
        return ""


def _json_body(scope: Scope, kind: type[msgspec.Struct]):
    # BodyMiddleware, which runs first, has read and checked the body.
    raw = ScopeState.from_scope(scope).body
    if not isinstance(raw, bytes):
        return None
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.MsgspecError:
        return None


def _deciding(verdicts: list[Verdict]) -> Verdict | None:
    """A refusing verdict if any, else the one closest to refusing."""
    refused = [v for v in verdicts if not v.allowed]
    return (refused or sorted(verdicts, key=lambda v: v.remaining) or [None])[0]


async def _hit(runtime: Runtime, name: str, subject: str) -> Verdict | None:
    try:
        return await runtime.counter.hit(f"{name}:{subject}", runtime.rates[name])
    except Exception:  # the counter store is down: the setting decides, loudly either way
        if runtime.settings.rate_limit_failure == "closed":
            log.exception("rate limit store unavailable; request refused", extra={"tier": name})
            raise ProblemError(503, "rate-limit-unavailable", "rate limits cannot be checked right now; retry soon",
                               {"Retry-After": "1"}) from None
        log.exception("rate limit store unavailable; request let through", extra={"tier": name})
        return None


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
