"""The delivery worker on real brokers: dedupe, retries then dead letters, and a worker killed mid-run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from hubbub.adapters.notifications.channels.webhook import WebhookChannel
from hubbub.adapters.notifications.outbox import Outbox
from hubbub.adapters.notifications.outbox_batches import OutboxBatches
from hubbub.adapters.notifications.pipeline import WORKERS, BrokerPipeline
from hubbub.adapters.notifications.worker import DeliveryWorker
from tests.receivers import WebhookReceiver
from tests.services import require_nats, require_rabbitmq, require_redis

SECRET = "a-secret-of-sixteen-chars"
BROKERS = {"redis": require_redis, "rabbitmq": require_rabbitmq, "nats": require_nats}


def queued(outbox: Outbox, receiver: WebhookReceiver, count: int, priority: str = "transactional") -> list[dict]:
    """`count` deliveries for one user's webhook, recorded in the outbox as the deliverer does."""
    outbox.set_channel("u1", "webhook", {"url": receiver.url, "secret": SECRET})
    jobs = []
    for n in range(count):
        digest = uuid.uuid4().hex
        job = {"delivery_id": str(uuid.uuid4()), "digest_id": digest, "user_id": "u1", "channel": "webhook",
               "items": [{"id": f"n{n}"}], "attempt": 1, "priority": priority, "notification_ids": [f"n{n}"]}
        outbox.hand_over([], "test", 0)
        outbox._connection().execute("INSERT INTO digests VALUES (?, 'u1', '[]', 'pending', 1, 0, NULL)", (digest,))
        assert outbox.to_channels(digest, [job], time.time())
        jobs.append(job)
    return jobs


async def until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("kind", list(BROKERS))
async def test_a_job_twice_reaches_the_channel_once_and_failures_end_dead(kind, tmp_path):
    url, prefix = BROKERS[kind](), f"test.deliveries.{uuid.uuid4().hex[:8]}"
    good, failing = WebhookReceiver(), WebhookReceiver(status=503)
    outbox, pipeline = Outbox(tmp_path / "outbox.sqlite3"), BrokerPipeline(url, prefix=prefix)
    dead = []
    worker = DeliveryWorker(outbox, {"webhook": WebhookChannel(allow_private=True)}, retry=pipeline.publish,
                            dead_letter=_collect(dead, pipeline), in_thread=OutboxBatches(outbox, asyncio.to_thread),
                            max_attempts=3, base_delay_s=0.05)
    await pipeline.start(worker.handle)
    try:
        [job] = queued(outbox, good, 1)
        await pipeline.publish(job)
        await pipeline.publish(job)  # a broker redelivery, or a restart publishing it again
        await until(lambda: outbox.delivery(job["delivery_id"])["status"] == "delivered")
        await asyncio.sleep(0.5)
        assert good.deliveries() == [job["delivery_id"]]
        outbox.set_channel("u1", "webhook", {"url": failing.url, "secret": SECRET})
        [doomed] = queued(outbox, failing, 1)
        outbox.set_channel("u1", "webhook", {"url": failing.url, "secret": SECRET})
        await pipeline.publish(doomed)
        await until(lambda: outbox.delivery(doomed["delivery_id"])["status"] == "dead")
        record = outbox.delivery(doomed["delivery_id"])
        assert record["attempts"] == 3 and record["last_error"] == "HTTP 503"
        assert len(failing.received) == 3 and [d["delivery_id"] for d in dead] == [doomed["delivery_id"]]
    finally:
        await pipeline.stop()
        good.close()
        failing.close()


def _collect(dead: list, pipeline: BrokerPipeline):
    async def dead_letter(job):
        dead.append(job)
        await pipeline.dead_letter(job)
    return dead_letter


@pytest.mark.parametrize("kind", list(BROKERS))
async def test_a_worker_killed_mid_run_loses_nothing_and_repeats_only_what_was_in_flight(kind, tmp_path):
    url, prefix = BROKERS[kind](), f"test.deliveries.{uuid.uuid4().hex[:8]}"
    receiver = WebhookReceiver(delay_s=0.02)
    outbox_path = tmp_path / "outbox.sqlite3"
    outbox, publisher = Outbox(outbox_path), BrokerPipeline(url, prefix=prefix)
    jobs = queued(outbox, receiver, 150)
    await publisher.connect()
    for job in jobs:
        await publisher.publish(job)
    kills = 0
    try:
        for _ in range(3):
            child = _worker(outbox_path, url, prefix)
            await until(lambda: len(receiver.received) >= 30 * (kills + 1) or _all_delivered(outbox, jobs))
            child.send_signal(signal.SIGKILL)
            child.wait()
            kills += 1
        child = _worker(outbox_path, url, prefix)
        await until(lambda: _all_delivered(outbox, jobs), timeout=60)
        child.terminate()
        child.wait()
    finally:
        await publisher.stop()
        receiver.close()
    delivered = receiver.deliveries()
    assert set(delivered) == {j["delivery_id"] for j in jobs}  # nothing lost
    repeats = len(delivered) - len(set(delivered))
    print(f"\n{kind}: {len(jobs)} deliveries, {kills} kills, {repeats} repeated POSTs")
    # Only POSTs in flight when their worker died are sent again: at most WORKERS at once, plus
    # the subscriber claiming a dead worker's jobs.
    assert repeats <= kills * (WORKERS + 1)


def _all_delivered(outbox: Outbox, jobs: list[dict]) -> bool:
    return all(outbox.delivery(j["delivery_id"])["status"] == "delivered" for j in jobs)


def _worker(outbox_path: Path, url: str, prefix: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-m", "tests.integration.delivery_child", str(outbox_path), url, prefix],
                             stdout=subprocess.PIPE, cwd=Path(__file__).parents[2], env={**os.environ})
    assert child.stdout.readline().strip() == b"started"
    return child
