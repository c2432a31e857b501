"""A Redis counter: one atomic script per hit, so every worker counts into the same window."""

from __future__ import annotations

from redis.asyncio import Redis

from .policy import Rate, Verdict, verdict

KEY_PREFIX = "hubbub:ratelimit:"

# INCR and PEXPIRE in one script: a window can never be left without an expiry.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisCounter:
    def __init__(self, client: Redis, prefix: str = KEY_PREFIX):
        self._client = client
        self._prefix = prefix
        self._hit = client.register_script(HIT_SCRIPT)

    @classmethod
    def from_url(cls, url: str, prefix: str | None = None) -> RedisCounter:
        return cls(Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0), prefix or KEY_PREFIX)

    async def hit(self, key: str, rate: Rate) -> Verdict:
        count, ttl_ms = await self._hit(keys=[f"{self._prefix}{rate.window_s}:{key}"], args=[rate.window_s * 1000])
        return verdict(rate, int(count), int(ttl_ms))

    async def ping(self) -> None:
        await self._client.ping()

    async def close(self) -> None:
        await self._client.aclose()
