"""hubbub's app with one more route, POST /api/rooms/{room_id}/noop, that does nothing: its
middleware, sign-in, rate limit, body checks and body validation are those of a send.

No `from __future__ import annotations` here: Litestar reads these annotations at runtime.
"""

from uuid import UUID

from litestar import Litestar, post
from litestar.params import FromPath, JSONBody

from hubbub.adapters.http.app import create_app
from hubbub.adapters.http.ratelimit import tier
from hubbub.adapters.http.schemas.messages import MessageCreate
from hubbub.adapters.http.security import signed_in_only
from hubbub.adapters.settings import Settings


@post("/api/rooms/{room_id:uuid}/noop", opt={**signed_in_only(), **tier("messages")}, status_code=201)
async def noop(room_id: FromPath[UUID], data: JSONBody[MessageCreate]) -> MessageCreate:
    return data


def noop_app(settings: Settings | None = None) -> Litestar:
    app = create_app(settings)
    app.register(noop)
    return app
