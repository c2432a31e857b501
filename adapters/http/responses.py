"""Command responses: the body, plus the position of what the command appended as a header too
(a 204 has no body to carry it)."""

from __future__ import annotations

from typing import TypeVar

from litestar import Response

T = TypeVar("T")
POSITION_HEADER = "Hubbub-Position"


def command_response(content: T, position: int | None, status_code: int = 200) -> Response[T]:
    headers = {POSITION_HEADER: str(position)} if position is not None else None
    return Response(content, status_code=status_code, headers=headers)
