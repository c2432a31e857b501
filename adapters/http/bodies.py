"""Request bodies: at most 64 KiB, JSON, valid UTF-8 and shallow; refused before a handler reads them.

The body is read here, once, and handed to Litestar's request cache, so a handler decodes it
without reading the socket again. Bytes that would make the JSON decoder raise something other
than a decode error (invalid UTF-8 inside a string, nesting deep enough to exhaust its recursion
limit) are refused here with a 400 naming the fault.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from hubbub.application.error_kinds import PAYLOAD_TOO_LARGE

from .problems import ProblemError

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}
_OPENERS, _CLOSERS = frozenset(b"[{"), frozenset(b"]}")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


class BodyMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _WITH_BODY:
            if check_body_headers(dict(scope["headers"])):
                body = await _read_body(receive)
                check_json_bytes(body)
                ScopeState.from_scope(scope).body = body
        await self.app(scope, receive, send)


def check_body_headers(headers: dict[bytes, bytes]) -> bool:
    """True when the request has a body (which must then be JSON)."""
    length = _content_length(headers)
    if length is not None and length > MAX_BODY_BYTES:
        raise _too_large()
    has_body = (length or 0) > 0 or b"transfer-encoding" in headers
    if has_body and not is_json(headers.get(b"content-type", b"")):
        raise ProblemError(415, "unsupported-media-type", "send the body as application/json")
    return has_body


def check_json_bytes(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemError(400, "bad-request", f"the body is not valid UTF-8 (byte {error.start})") from None
    if _may_nest_deeply(body) and json_depth(body) > MAX_JSON_DEPTH:
        raise ProblemError(400, "bad-request", f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")


def _may_nest_deeply(body: bytes) -> bool:
    # Counting brackets is C-speed; only a body with many of them gets the byte-by-byte scan.
    return body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSERS:
            depth -= 1
    return deepest


async def _read_body(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ProblemError(400, "bad-request", "client disconnected before sending its whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _too_large() -> ProblemError:
    return ProblemError(PAYLOAD_TOO_LARGE.status, PAYLOAD_TOO_LARGE.problem, f"the body must be at most {MAX_BODY_BYTES} bytes")


def is_json(content_type: bytes) -> bool:
    media_type = content_type.split(b";", 1)[0].strip().lower()
    json_suffixed = media_type.startswith(b"application/") and media_type.endswith(b"+json")
    return media_type == b"application/json" or json_suffixed


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    raw = headers.get(b"content-length")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ProblemError(400, "bad-request", "the Content-Length header is not a number") from None
    return int(raw)
