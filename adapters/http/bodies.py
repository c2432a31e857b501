"""Request bodies: at most 64 KiB, and JSON when there is one; refused before anything reads them."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from hubbub.application.error_kinds import PAYLOAD_TOO_LARGE

from .problems import ProblemError

MAX_BODY_BYTES = 64 * 1024
_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


class BodyMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _WITH_BODY:
            check_body_headers(dict(scope["headers"]))
        await self.app(scope, receive, send)


def check_body_headers(headers: dict[bytes, bytes]) -> None:
    length = _content_length(headers)
    if length is not None and length > MAX_BODY_BYTES:
        raise ProblemError(PAYLOAD_TOO_LARGE.status, PAYLOAD_TOO_LARGE.problem, f"the body must be at most {MAX_BODY_BYTES} bytes")
    has_body = (length or 0) > 0 or b"transfer-encoding" in headers
    if has_body and not is_json(headers.get(b"content-type", b"")):
        raise ProblemError(415, "unsupported-media-type", "send the body as application/json")


def is_json(content_type: bytes) -> bool:
    media_type = content_type.split(b";", 1)[0].strip().lower()
    json_suffixed = media_type.startswith(b"application/") and media_type.endswith(b"+json")
    return media_type == b"application/json" or json_suffixed


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    raw = headers.get(b"content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ProblemError(400, "bad-request", "the Content-Length header is not a number") from None
