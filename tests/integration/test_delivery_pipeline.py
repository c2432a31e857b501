"""The delivery pipeline on each real broker: every job handled, transactional first, dead letters kept."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from hubbub.adapters.notifications.pipeline import BrokerPipeline, InProcessPipeline
from tests.services import require_nats, require_rabbitmq, require_redis


def pipeline_for(kind: str, prefix: str):
    if kind == "memory":
        return InProcessPipeline()
    url = {"redis": require_redis, "rabbitmq": require_rabbitmq, "nats": require_nats}[kind]()
    return BrokerPipeline(url, prefix=prefix, claim_idle_ms=1000)


async def until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("kind", ["memory", "redis", "rabbitmq", "nats"])
async def test_jobs_published_before_the_worker_starts_come_out_transactional_first(kind):
    prefix = f"test.deliveries.{uuid.uuid4().hex[:8]}"
    publisher, worker = pipeline_for(kind, prefix), pipeline_for(kind, prefix)
    seen: list[str] = []

    async def handle(job):
        seen.append(job["priority"])
        await asyncio.sleep(0.005)

    if kind == "memory":
        worker = publisher
    else:
        await publisher.connect()
    jobs = [{"delivery_id": str(i), "priority": p} for i in range(20) for p in ("promotional", "transactional")]
    for job in jobs:
        await publisher.publish(job)
    await worker.start(handle)
    try:
        await until(lambda: len(seen) == len(jobs))
        first_promotional = seen.index("promotional")
        assert seen[:first_promotional] and set(seen[:first_promotional]) == {"transactional"}
        assert seen.count("transactional") == 20
        assert first_promotional >= 10, seen
    finally:
        await worker.stop()
        if publisher is not worker:
            await publisher.stop()
