"""How many sockets a user holds: counted in this process, or, with Redis, across every process."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from uuid import UUID

from redis.asyncio import Redis

from .connections import Connections

log = logging.getLogger("hubbub.gateway")
KEY_PREFIX = "hubbub:sockets:"
LEASE_S = 30.0  # a killed process's sockets stop counting this long after its last renewal
RENEW_S = LEASE_S / 3

# Forget lapsed sockets, refuse past the limit, else add this one: atomically, for every process.
TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


class LocalSlots:
    """One process serves everything (no Redis): its own connections are the count."""

    def __init__(self, connections: Connections):
        self._connections = connections

    async def take(self, user_id: UUID, sid: str, limit: int) -> bool:
        return self._connections.count_of(user_id) < limit

    async def release(self, user_id: UUID, sid: str) -> None:
        pass

    async def renew(self, held: Iterable[tuple[UUID, str]]) -> None:
        pass

    async def close(self) -> None:
        pass


class RedisSlots:
    """A sorted set per user: each socket a member scored with when it lapses, renewed by its process."""

    def __init__(self, client: Redis, process_id: str, prefix: str = KEY_PREFIX):
        self._client = client
        self._process_id = process_id
        self._prefix = prefix
        self._take = client.register_script(TAKE)

    @classmethod
    def from_url(cls, url: str, process_id: str) -> RedisSlots:
        return cls(Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0), process_id)

    async def take(self, user_id: UUID, sid: str, limit: int) -> bool:
        now = time.time()
        try:
            return bool(await self._take(keys=[self._key(user_id)], args=[
                now, now + LEASE_S, limit, self._member(sid), int(LEASE_S * 1000)]))
        except Exception:  # as rate limits do: a Redis outage lets sockets in, loudly
            log.exception("socket count unavailable; connection let in")
            return True

    async def release(self, user_id: UUID, sid: str) -> None:
        try:
            await self._client.zrem(self._key(user_id), self._member(sid))
        except Exception:  # noqa: BLE001 - it lapses by itself
            log.warning("could not release a socket's slot; it lapses in %g s", LEASE_S)

    async def renew(self, held: Iterable[tuple[UUID, str]]) -> None:
        lapse = time.time() + LEASE_S
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for user_id, sid in held:
                    pipe.zadd(self._key(user_id), {self._member(sid): lapse}, xx=True)
                    pipe.pexpire(self._key(user_id), int(LEASE_S * 1000))
                await pipe.execute()
        except Exception:  # noqa: BLE001 - the next renewal tries again
            log.warning("could not renew socket slots")

    async def close(self) -> None:
        await self._client.aclose()

    def _key(self, user_id: UUID) -> str:
        return f"{self._prefix}{user_id}"

    def _member(self, sid: str) -> str:
        return f"{self._process_id}:{sid}"
