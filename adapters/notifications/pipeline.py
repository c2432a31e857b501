"""The delivery pipeline: delivery jobs through a broker (faststream), or a queue in this process.

By URL: redis:// → Redis Streams (one stream per priority, a consumer group, and a second
subscriber that claims jobs a dead worker left pending); amqp:// → RabbitMQ (one durable
priority queue); nats:// → NATS JetStream (one subject per priority, durable consumers). With
no broker URL, an asyncio priority queue in this process (the embedded default). Transactional
jobs go before promotional ones: a priority queue where the broker has one, elsewhere the
promotional subscriber waits while transactional work is in hand. Dead jobs go to a
dead-letter queue (stream, queue or subject `<prefix>.dead`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.middlewares import AckPolicy

log = logging.getLogger(__name__)
Handle = Callable[[dict[str, Any]], Awaitable[Any]]
PRIORITIES = ("transactional", "promotional")
RABBIT_PRIORITY = {"transactional": 9, "promotional": 1}
CLAIM_IDLE_MS = 30_000
GROUP = "hubbub-delivery"
WORKERS = 16  # jobs one subscriber handles at once (RabbitMQ: its channel's prefetch; NATS: its pull batch)


class InProcessPipeline:
    def __init__(self) -> None:
        self.queue: asyncio.PriorityQueue = asyncio.PriorityQueue()
        self.dead: list[dict[str, Any]] = []
        self._order = itertools.count()
        self._task: asyncio.Task | None = None

    async def start(self, handle: Handle) -> None:
        self._task = asyncio.create_task(self._consume(handle))

    async def publish(self, job: dict[str, Any]) -> None:
        self.queue.put_nowait((PRIORITIES.index(job["priority"]), next(self._order), job))

    async def dead_letter(self, job: dict[str, Any]) -> None:
        self.dead.append(job)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _consume(self, handle: Handle) -> None:
        while True:
            *_, job = await self.queue.get()
            try:
                await handle(job)
            except Exception:
                log.exception("delivery job failed", extra={"delivery_id": job.get("delivery_id")})


class BrokerPipeline:
    """Faststream on Redis Streams, RabbitMQ or NATS JetStream, chosen by the URL's scheme."""

    def __init__(self, url: str, prefix: str = "hubbub.deliveries", claim_idle_ms: int = CLAIM_IDLE_MS):
        self.url, self.prefix, self.claim_idle_ms = url, prefix, claim_idle_ms
        self.kind = broker_kind(url)
        self.broker: Any = None
        self.transactional_in_hand = 0

    async def connect(self) -> None:
        """Publishing only (no worker here): connects and declares the queues jobs wait in."""
        self.broker = _broker(self.kind, self.url)
        await self.broker.connect()
        await self._declare()

    async def start(self, handle: Handle) -> None:
        """Publishing, and a worker that hands each job to `handle`."""
        self.broker = _broker(self.kind, self.url)
        for priority in PRIORITIES:
            for subscriber in self._subscribers(priority):
                subscriber(self._handler(priority, handle))
        await self.broker.connect()
        await self._declare()
        await self._open_backlog_client()
        await self.broker.start()

    async def _open_backlog_client(self) -> None:
        if self.kind == "nats":
            import nats
            self._nats = await nats.connect(self.url)
            self._jetstream = self._nats.jetstream()
        elif self.kind != "rabbitmq":
            from redis.asyncio import Redis
            self._redis = Redis.from_url(self.url)

    async def _declare(self) -> None:
        # Jobs published before any worker started must wait for one, not be skipped.
        if self.kind == "rabbitmq":
            from faststream.rabbit import RabbitQueue
            await self.broker.declare_queue(_rabbit_queue(self.prefix))
            await self.broker.declare_queue(RabbitQueue(f"{self.prefix}.dead", durable=True))
        elif self.kind == "nats":
            await _declare_nats_stream(self.url, self.prefix)
        else:
            await _declare_redis_groups(self.url, self.prefix)

    async def publish(self, job: dict[str, Any]) -> None:
        await self._publish(job, job["priority"])

    async def dead_letter(self, job: dict[str, Any]) -> None:
        await self._publish(job, "dead")

    async def stop(self) -> None:
        if self.broker is not None:
            await self.broker.stop()
        if getattr(self, "_nats", None) is not None:
            await self._nats.close()
        if getattr(self, "_redis", None) is not None:
            await self._redis.aclose()

    def _handler(self, priority: str, handle: Handle) -> Handle:
        async def on_job(job: dict[str, Any]) -> None:
            if priority == "transactional":
                self.transactional_in_hand += 1
                try:
                    await handle(job)
                finally:
                    self.transactional_in_hand -= 1
                return
            while self.transactional_in_hand or await self._transactional_backlog():
                await asyncio.sleep(0.01)
            await handle(job)

        return on_job

    async def _transactional_backlog(self) -> int:
        """Transactional jobs waiting in the broker (not yet handed to any worker, or unacknowledged)."""
        name = f"{self.prefix}.transactional"
        if self.kind == "nats":
            info = await self._jetstream.consumer_info(self.prefix.replace(".", "-"), name.replace(".", "-"))
            return info.num_pending + info.num_ack_pending
        for group in await self._redis.xinfo_groups(name):
            if group["name"] in (GROUP, GROUP.encode()):
                return (group.get("lag") or 0) + group["pending"]
        return 0

    def _subscribers(self, priority: str) -> list[Callable]:
        name, policy = f"{self.prefix}.{priority}", AckPolicy.NACK_ON_ERROR
        if self.kind == "rabbitmq":
            if priority == "promotional":
                return []  # one queue carries both priorities
            return [self.broker.subscriber(_rabbit_queue(self.prefix), ack_policy=policy, channel=_rabbit_channel())]
        if self.kind == "nats":
            from faststream.nats import JStream, PullSub
            stream = JStream(self.prefix.replace(".", "-"), subjects=[f"{self.prefix}.>"])
            return [self.broker.subscriber(name, stream=stream, durable=name.replace(".", "-"),
                                           pull_sub=PullSub(batch_size=WORKERS), max_workers=WORKERS,
                                           ack_policy=policy)]
        from faststream.redis import StreamSub
        group, me = GROUP, f"worker-{os.getpid()}-{id(self)}"
        return [self.broker.subscriber(stream=StreamSub(name, group=group, consumer=me, polling_interval=100),
                                       ack_policy=policy, max_workers=WORKERS),
                self.broker.subscriber(stream=StreamSub(name, group=group, consumer=f"{me}-claim",
                                                        min_idle_time=self.claim_idle_ms, polling_interval=500),
                                       ack_policy=policy)]

    async def _publish(self, job: dict[str, Any], lane: str) -> None:
        if self.kind == "rabbitmq":
            queue = _rabbit_queue(self.prefix) if lane != "dead" else f"{self.prefix}.dead"
            await self.broker.publish(job, queue=queue, priority=RABBIT_PRIORITY.get(lane, 0), persist=True)
        elif self.kind == "nats":
            await self.broker.publish(job, f"{self.prefix}.{lane}", stream=self.prefix.replace(".", "-"))
        else:
            await self.broker.publish(job, stream=f"{self.prefix}.{lane}")


async def _declare_redis_groups(url: str, prefix: str) -> None:
    from redis.asyncio import Redis
    from redis.exceptions import ResponseError
    async with Redis.from_url(url) as redis:
        for priority in PRIORITIES:
            with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
                await redis.xgroup_create(f"{prefix}.{priority}", GROUP, id="0", mkstream=True)


async def _declare_nats_stream(url: str, prefix: str) -> None:
    import nats
    from nats.js.errors import BadRequestError
    client = await nats.connect(url)
    try:
        with contextlib.suppress(BadRequestError):  # it exists
            await client.jetstream().add_stream(name=prefix.replace(".", "-"), subjects=[f"{prefix}.>"])
    finally:
        await client.close()


KINDS = {"redis": "redis", "rediss": "redis", "amqp": "rabbitmq", "amqps": "rabbitmq", "nats": "nats", "tls": "nats"}


def broker_kind(url: str) -> str:
    """redis, rabbitmq or nats, from the URL's scheme (tls:// is NATS over TLS)."""
    scheme = url.split("://")[0]
    if scheme not in KINDS:
        raise ValueError(f"no delivery pipeline for {scheme}:// (redis, amqp or nats)")
    return KINDS[scheme]


def _broker(kind: str, url: str) -> Any:
    if kind == "rabbitmq":
        from faststream.rabbit import RabbitBroker
        return RabbitBroker(url, logger=None)
    if kind == "nats":
        from faststream.nats import NatsBroker
        return NatsBroker(url, logger=None)
    from faststream.redis import RedisBroker
    return RedisBroker(url, logger=None)


def _rabbit_queue(prefix: str) -> Any:
    from faststream.rabbit import RabbitQueue
    return RabbitQueue(prefix, durable=True, arguments={"x-max-priority": 10})


def _rabbit_channel() -> Any:
    from faststream.rabbit import Channel
    return Channel(prefetch_count=WORKERS)
