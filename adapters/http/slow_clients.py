"""Timeouts for slow clients, in the HTTP protocol itself: a connection that trickles its request
line and headers, or its body, is answered 408 and closed, so slow sockets cannot hold the
server's file descriptors. uvicorn times out only idle keep-alive connections by itself.

`hubbub serve` runs uvicorn with `http=PROTOCOL`; each worker reads the two timeouts from its
settings (HUBBUB_HEADER_TIMEOUT_S, HUBBUB_BODY_TIMEOUT_S).
"""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

PROTOCOL = "hubbub.adapters.http.slow_clients:SlowClientGuard"


@lru_cache(maxsize=1)
def _timeouts() -> tuple[float, float]:
    from hubbub.adapters.settings import load_settings

    settings = load_settings()
    return settings.header_timeout_s, settings.body_timeout_s


def timeout_response(what: str, seconds: float) -> bytes:
    detail = f"the request's {what} did not arrive within {seconds:g} s"
    body = json.dumps({"type": "/problems/request-timeout", "title": "Request Timeout", "status": 408,
                       "detail": detail}).encode()
    head = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
            b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n")
    return head + body


class SlowClientGuard(HttpToolsProtocol):
    """The headers must arrive within the header timeout of the connection (or of the request's
    first byte, on a kept-alive connection); the body within the body timeout after them."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("request line and headers", _timeouts()[0])

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:
            self._arm("request line and headers", _timeouts()[0])

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):  # a WebSocket has timeouts of its own
            self._arm("body", _timeouts()[1])

    def handle_websocket_upgrade(self) -> None:
        self._disarm()
        super().handle_websocket_upgrade()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, what: str, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, what, seconds)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(timeout_response(what, seconds))
        if self.cycle is not None:
            self.cycle.keep_alive = False
        self.transport.close()
