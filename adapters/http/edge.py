"""The outermost layer, around every request (routed or not): request id, security headers,
metrics and the access log line."""

from __future__ import annotations

import logging
import re
import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hubbub.adapters.logging import request_id_var
from hubbub.domain.ids import random_id

from .metrics import HttpMetrics

REQUEST_ID_HEADER = b"x-request-id"
_SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
access_log = logging.getLogger("hubbub.access")


class Edge:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started, status = time.perf_counter(), [500]
        try:
            await self.app(scope, receive, _stamping(send, scope, request_id, status))
        finally:
            self._record(scope, status[0], time.perf_counter() - started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("path_template") or "unmatched"
        self.metrics.observe(scope["method"], route, status, seconds)
        fields = {"method": scope["method"], "route": route, "status": status, "duration_ms": round(seconds * 1000, 2)}
        access_log.info("%s %s %s", scope["method"], scope["path"], status, extra=fields)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _SAFE_REQUEST_ID.fullmatch(value):
            return value.decode()
    return random_id().hex


def _stamping(send: Send, scope: Scope, request_id: str, status: list[int]) -> Send:
    async def send_stamped(message: Message) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]
            message["headers"] = _with_edge_headers(list(message.get("headers", [])), scope, request_id)
        await send(message)

    return send_stamped


def _with_edge_headers(headers: list, scope: Scope, request_id: str) -> list:
    present = {name.lower() for name, _ in headers}
    extra = [(REQUEST_ID_HEADER, request_id.encode())]
    extra += [(name, value) for name, value in SECURITY_HEADERS if name not in present]
    if not scope["path"].startswith("/schema") and b"content-security-policy" not in present:
        # The API answers JSON only; the /schema pages load the docs UI, which a strict CSP would block.
        extra.append((b"content-security-policy", _API_CSP))
    if scope["path"].startswith("/api") and b"cache-control" not in present:
        extra.append((b"cache-control", b"no-store"))
    return headers + extra
