"""Is the delivery broker reachable? A cheap answer for /ready in a web process, which holds no
broker connection of its own (the background host runs the pipeline, often in another process).

A probe logs in the way the pipeline does (AMQP login, NATS CONNECT and a JetStream account
query, Redis PING) and closes again, with a short timeout. Its answer, ok or the failure, is
kept for a moment and shared by every caller meanwhile, so a load balancer polling /ready on
every process does not turn into a connection storm on the broker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from hubbub.adapters.settings import Settings

from .pipeline import broker_kind

PROBE_TIMEOUT_S = 2.0  # under readiness's own timeout, so a hung broker reads as a timeout here
KEEP_ANSWER_S = 2.0
Reach = Callable[[str, float], Awaitable[None]]


class BrokerProbe:
    def __init__(self, url: str, reach: Reach | None = None, keep_s: float = KEEP_ANSWER_S,
                 clock: Callable[[], float] = time.monotonic):
        self.url, self.keep_s, self.clock = url, keep_s, clock
        self._reach = reach or reach_broker
        self._lock = asyncio.Lock()
        self._answered_at: float | None = None
        self._failure: BaseException | None = None

    async def check(self) -> dict:
        """Returns the broker's kind when it answered lately; raises what the last probe met."""
        async with self._lock:  # one probe at a time: the others wait and share its answer
            if self._answered_at is None or self.clock() - self._answered_at >= self.keep_s:
                self._failure = await self._probe()
                self._answered_at = self.clock()
        if self._failure is not None:
            raise self._failure.with_traceback(None)
        return {"broker": broker_kind(self.url)}

    async def _probe(self) -> BaseException | None:
        try:
            await asyncio.wait_for(self._reach(self.url, PROBE_TIMEOUT_S), PROBE_TIMEOUT_S)
        except Exception as error:  # any failure is the answer, reported by name
            return error
        return None


def delivery_broker_probe(settings: Settings) -> BrokerProbe | None:
    """A probe of HUBBUB_DELIVERY_BROKER_URL, unless that is HUBBUB_REDIS_URL (checked as Redis)."""
    url = settings.delivery_broker_url
    return BrokerProbe(url) if url and url != settings.redis_url else None


async def reach_broker(url: str, timeout_s: float) -> None:
    kind = broker_kind(url)
    if kind == "rabbitmq":
        await _reach_rabbitmq(url)  # bounded by the caller's timeout
    elif kind == "nats":
        await _reach_nats(url, timeout_s)
    else:
        await _reach_redis(url, timeout_s)


async def _reach_rabbitmq(url: str) -> None:
    import aiormq
    connection = await aiormq.connect(url)
    await connection.close()


async def _reach_nats(url: str, timeout_s: float) -> None:
    import nats

    async def quiet(_error: Exception) -> None:  # the failure is raised to us; no log line per probe
        return None

    # One attempt: nats-py's first connect otherwise keeps trying a server that refuses.
    client = await nats.connect(url, connect_timeout=timeout_s, allow_reconnect=False, max_reconnect_attempts=1,
                                reconnect_time_wait=0, error_cb=quiet)
    try:
        await client.jetstream(timeout=timeout_s).account_info()  # the pipeline needs JetStream
    finally:
        await client.close()


async def _reach_redis(url: str, timeout_s: float) -> None:
    from redis.asyncio import Redis
    async with Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s) as redis:
        await redis.ping()
