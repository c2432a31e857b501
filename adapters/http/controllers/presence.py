"""/api/presence and /api/rooms/{room_id}/presence: who is online, from the signals' shared state."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter

from hubbub.adapters.signals.presence_store import PresenceState
from hubbub.application.visibility import member_room
from hubbub.domain.errors import InvalidInput

from ..dependencies import PrincipalDep, ReadModelsDep, runtime_of
from ..openapi import SIGNED_IN, problems
from ..schemas.presence import UserPresence
from ..security import signed_in_only

MAX_USER_IDS = 100
UserIds = Annotated[str, QueryParameter(min_length=1, max_length=MAX_USER_IDS * 37,
                                        description=f"Comma-separated user ids, at most {MAX_USER_IDS}")]


class PresenceController(Controller):
    path = "/api"
    tags = ["presence"]
    opt = signed_in_only()
    security = SIGNED_IN

    @get("/presence", responses=problems(409, 422))
    async def of_users(
        self, request: Request, principal: PrincipalDep, user_ids: UserIds, read_models: ReadModelsDep,
    ) -> list[UserPresence]:
        """Those of the users who share a room with the caller; others are left out.

        `read_models` is asked for so that `min_position` is honoured before the peers are read."""
        wanted, signals = _parsed(user_ids), runtime_of(request).signals
        peers = await signals.directory.peers_of(principal.user_id)
        return _shaped(await signals.presence.states([u for u in wanted if u in peers]))

    @get("/rooms/{room_id:uuid}/presence", responses=problems(403, 404, 409))
    async def of_room(
        self, request: Request, room_id: FromPath[UUID], principal: PrincipalDep, read_models: ReadModelsDep,
    ) -> list[UserPresence]:
        room = await runtime_of(request).reads.ask(member_room, read_models, room_id, principal.user_id)
        members = [UUID(str(m["user_id"])) for m in room["members"]]
        return _shaped(await runtime_of(request).signals.presence.states(members))


def _parsed(user_ids: str) -> list[UUID]:
    parts = [p.strip() for p in user_ids.split(",") if p.strip()]
    if len(parts) > MAX_USER_IDS:
        raise InvalidInput("user_ids", f"at most {MAX_USER_IDS} ids")
    try:
        return list(dict.fromkeys(UUID(p) for p in parts))
    except ValueError:
        raise InvalidInput("user_ids", "must be comma-separated UUIDs") from None


def _shaped(states: list[PresenceState]) -> list[UserPresence]:
    return [UserPresence(UUID(s.user_id), s.online, _at(s.last_seen_at)) for s in states]


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None
