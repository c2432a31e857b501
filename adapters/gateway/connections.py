"""The sockets this process serves: who they are, whether they are live, which rooms they follow."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID


@dataclass(eq=False)
class Connection:
    sid: str
    user_id: UUID
    session_id: UUID
    # Live: in its rooms' socket.io rooms, receiving what the tail delivers. Not live: a replay
    # is bringing it up to the tail, and will make it live.
    live: bool = False
    rooms: set[str] = field(default_factory=set)
    sync_generation: int = 0  # a newer sync supersedes one still running
    commands: asyncio.Lock = field(default_factory=asyncio.Lock)  # one socket's commands, in order
    expiry: asyncio.TimerHandle | None = None
    announced: asyncio.Task | None = None  # told the signals it is here; its goodbye waits for that
    closing: bool = False

    @property
    def user_key(self) -> str:
        return str(self.user_id)


class Connections:
    def __init__(self) -> None:
        self.by_sid: dict[str, Connection] = {}
        self._by_user: defaultdict[str, set[Connection]] = defaultdict(set)
        self._by_session: defaultdict[UUID, set[Connection]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self.by_sid)

    def add(self, connection: Connection) -> None:
        self.by_sid[connection.sid] = connection
        self._by_user[connection.user_key].add(connection)
        self._by_session[connection.session_id].add(connection)

    def remove(self, sid: str) -> Connection | None:
        connection = self.by_sid.pop(sid, None)
        if connection is not None:
            _discard(self._by_user, connection.user_key, connection)
            _discard(self._by_session, connection.session_id, connection)
        return connection

    def of_user(self, user_id: str) -> list[Connection]:
        return list(self._by_user.get(user_id, ()))

    def of_session(self, session_id: UUID) -> list[Connection]:
        return list(self._by_session.get(session_id, ()))

    def count_of(self, user_id: UUID) -> int:
        return len(self._by_user.get(str(user_id), ()))


def _discard(index: defaultdict, key: object, connection: Connection) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(connection)
        if not members:
            del index[key]
