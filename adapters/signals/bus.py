"""Ephemeral signals between processes: Redis pub/sub when configured (without Redis, the host's
signal file: sqlite_bus.py); LocalBus, a direct call, for tests of one process.

A signal is (kind, payload); every process's subscriber, the publisher's included, receives it
once and emits it to its own sockets. Nothing is stored: a process that is down misses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from redis.exceptions import RedisError

from .stopping import stopped

log = logging.getLogger(__name__)
Handler = Callable[[str, dict[str, Any]], Awaitable[None]]


class LocalBus:
    """One process: publishing is handing the signal to the subscribers. For unit tests and
    benchmarks; signal_transport never picks it."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self._handlers.remove(handler)

    async def publish(self, kind: str, payload: dict[str, Any]) -> None:
        for handler in list(self._handlers):
            await handled(handler, kind, payload)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus:
    """Several processes: one Redis pub/sub channel per deployment prefix."""

    def __init__(self, redis: Any, channel: str = "hubbub:signals"):
        self.redis, self.channel = redis, channel
        self._handlers: list[Handler] = []
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self._handlers.remove(handler)

    async def publish(self, kind: str, payload: dict[str, Any]) -> None:
        await self.redis.publish(self.channel, msgspec.json.encode({"kind": kind, "payload": payload}))

    async def start(self) -> None:
        """Listens from now on; waits a moment for the subscription, but starts without Redis
        (the readiness check says Redis is down, and the listener keeps trying)."""
        self._task = asyncio.create_task(self._listen_forever())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 2)

    async def close(self) -> None:
        """Stops listening and closes the Redis client (the last user of it to close)."""
        await stopped(self._task)
        await self.redis.aclose()

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._listen()
            except (OSError, RedisError) as error:
                log.warning("signal bus lost Redis; retrying", extra={"error": str(error)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _listen(self) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel)
        self._ready.set()
        try:
            async for message in pubsub.listen():
                signal = msgspec.json.decode(message["data"])
                for handler in list(self._handlers):
                    await handled(handler, signal["kind"], signal["payload"])
        finally:
            await pubsub.aclose()


async def handled(handler: Handler, kind: str, payload: dict[str, Any]) -> None:
    try:
        await handler(kind, payload)
    except Exception:  # a failing emit must not stop the signals behind it
        log.exception("signal handler failed", extra={"kind": kind})
