"""Who is online, shared by every process: in Redis when configured (without Redis, in the host's
signal file: sqlite_presence.py); InProcessPresenceStore for tests of one process.

Each process counts its own sockets per user and proves it is alive with a heartbeat. A user
is online while some live process counts a socket of theirs; `settle` takes them offline once
none does (the caller waits out the grace period first). A process whose heartbeat is older
than `stale_s` is dead: `sweep` drops its sockets and settles their users.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

HEARTBEAT_S = 5.0
STALE_S = 15.0


@dataclass(frozen=True)
class PresenceState:
    user_id: str
    online: bool
    last_seen_at: float | None  # epoch seconds: now while online, when they went offline after


class InProcessPresenceStore:
    """One process, no heartbeats. For unit tests and benchmarks; signal_transport never picks it."""

    def __init__(self) -> None:
        self._sockets: dict[str, int] = {}
        self._offline_since: dict[str, float] = {}
        self._online: set[str] = set()

    async def connected(self, user_id: str) -> bool:
        self._sockets[user_id] = self._sockets.get(user_id, 0) + 1
        went_online = user_id not in self._online
        self._online.add(user_id)
        return went_online

    async def disconnected(self, user_id: str) -> None:
        left = self._sockets.get(user_id, 0) - 1
        if left > 0:
            self._sockets[user_id] = left
        else:
            self._sockets.pop(user_id, None)

    async def settle(self, user_id: str) -> bool:
        if user_id in self._sockets or user_id not in self._online:
            return False
        self._online.discard(user_id)
        self._offline_since[user_id] = time.time()
        return True

    async def states(self, user_ids: list[str]) -> list[PresenceState]:
        now = time.time()
        return [PresenceState(u, u in self._online, now if u in self._online else self._offline_since.get(u))
                for u in user_ids]

    async def heartbeat(self) -> None:
        return None

    async def sweep(self) -> list[str]:
        return []

    async def close(self) -> None:
        return None


_CONNECT = """
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], ARGV[2])
if redis.call('HGET', KEYS[3], 'online') == '1' then return 0 end
redis.call('HSET', KEYS[3], 'online', '1')
return 1
"""
_DISCONNECT = """
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left
"""
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1e6\n"
_SETTLE = _NOW + """
local sockets = redis.call('HGETALL', KEYS[1])
for i = 1, #sockets, 2 do
  local beat = redis.call('ZSCORE', KEYS[3], sockets[i])
  if beat and now - tonumber(beat) < tonumber(ARGV[1]) then return 0 end
end
if redis.call('HGET', KEYS[2], 'online') ~= '1' then return 0 end
redis.call('HSET', KEYS[2], 'online', '0', 'last_seen', tostring(now))
return 1
"""
_HEARTBEAT = _NOW + "redis.call('ZADD', KEYS[1], now, ARGV[1]) return tostring(now)"
_DEAD = _NOW + "return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))"


class RedisPresenceStore:
    def __init__(self, redis: Any, prefix: str = "hubbub:presence:", stale_s: float = STALE_S):
        self.redis, self.prefix, self.stale_s = redis, prefix, stale_s
        self.process_id = uuid.uuid4().hex
        self._scripts = {name: redis.register_script(source) for name, source in (
            ("connect", _CONNECT), ("disconnect", _DISCONNECT), ("settle", _SETTLE),
            ("heartbeat", _HEARTBEAT), ("dead", _DEAD))}

    async def connected(self, user_id: str) -> bool:
        keys = [self._sockets(user_id), self._users_of(self.process_id), self._state(user_id)]
        return bool(await self._scripts["connect"](keys=keys, args=[self.process_id, user_id]))

    async def disconnected(self, user_id: str) -> None:
        await self._scripts["disconnect"](keys=[self._sockets(user_id)], args=[self.process_id])

    async def settle(self, user_id: str) -> bool:
        keys = [self._sockets(user_id), self._state(user_id), self._alive()]
        return bool(await self._scripts["settle"](keys=keys, args=[self.stale_s]))

    async def states(self, user_ids: list[str]) -> list[PresenceState]:
        pipe = self.redis.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.hmget(self._state(user_id), "online", "last_seen")
        pipe.time()
        *found, (seconds, micros) = await pipe.execute()
        now = seconds + micros / 1e6
        return [_state(user_id, online, last_seen, now) for user_id, (online, last_seen) in zip(user_ids, found)]

    async def heartbeat(self) -> None:
        await self._scripts["heartbeat"](keys=[self._alive()], args=[self.process_id])

    async def sweep(self) -> list[str]:
        """Drops the sockets of dead processes; returns the users that took offline."""
        went_offline = []
        for dead in await self._scripts["dead"](keys=[self._alive()], args=[self.stale_s]):
            dead = dead.decode() if isinstance(dead, bytes) else dead
            for user_id in await self.redis.smembers(self._users_of(dead)):
                user_id = user_id.decode() if isinstance(user_id, bytes) else user_id
                await self.redis.hdel(self._sockets(user_id), dead)
                if await self.settle(user_id):
                    went_offline.append(user_id)
            await self.redis.delete(self._users_of(dead))
            await self.redis.zrem(self._alive(), dead)
        return went_offline

    async def close(self) -> None:
        """A process that stops is dead at once: the next sweep elsewhere settles its users."""
        await self.redis.zadd(self._alive(), {self.process_id: 0})

    def _sockets(self, user_id: str) -> str:
        return f"{self.prefix}sockets:{user_id}"

    def _state(self, user_id: str) -> str:
        return f"{self.prefix}state:{user_id}"

    def _users_of(self, process_id: str) -> str:
        return f"{self.prefix}users:{process_id}"

    def _alive(self) -> str:
        return f"{self.prefix}alive"


def _state(user_id: str, online: Any, last_seen: Any, now: float) -> PresenceState:
    is_online = online in (b"1", "1")
    return PresenceState(user_id, is_online, now if is_online else (float(last_seen) if last_seen else None))
