"""Delivery pipeline throughput (jobs/s) against a bare faststream publish/consume loop on the same broker.

    .venv/bin/python bench/delivery_pipeline.py [--jobs 2000] [--brokers redis,rabbitmq,nats]

Both publish `--jobs` messages (10 at a time, concurrently) while consuming them; the figure is jobs over the time from the
first publish to the last job handled. Both subscribe alike (WORKERS jobs at once, the same
prefetch); the bare loop's handler only counts. hubbub's runs the
delivery worker as the host does: claim in the outbox, send on a channel that does nothing, record
delivered (outbox writes batched, OutboxBatches).
Target: hubbub ≥ 0.5 of the bare loop on each broker. Needs the local Redis, RabbitMQ and NATS
(JetStream); the NATS streams it makes are deleted after.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faststream.middlewares import AckPolicy  # noqa: E402

from hubbub.adapters.notifications.outbox import Outbox  # noqa: E402
from hubbub.adapters.notifications.outbox_batches import OutboxBatches  # noqa: E402
from hubbub.adapters.notifications.pipeline import (  # noqa: E402
    WORKERS, BrokerPipeline, _broker, _rabbit_channel, _rabbit_queue,
)
from hubbub.adapters.notifications.worker import DeliveryWorker  # noqa: E402

URLS = {"redis": "redis://127.0.0.1:6379/0", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/",
        "nats": "nats://127.0.0.1:4222"}


class NullChannel:
    name = "null"

    async def send(self, job, config) -> None:
        return None


async def in_chunks(publish, jobs: list[dict], size: int = 10) -> None:
    """Publishes `size` at a time concurrently, as a busy producer would."""
    for start in range(0, len(jobs), size):
        await asyncio.gather(*(publish(job) for job in jobs[start:start + size]))


async def until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.005)


async def bare(kind: str, jobs: int) -> float:
    name, handled = f"bench.bare.{uuid.uuid4().hex[:8]}", []
    broker = _broker(kind, URLS[kind])
    if kind == "nats":
        from faststream.nats import JStream, PullSub
        stream = JStream(name.replace(".", "-"), subjects=[name])
        subscriber = broker.subscriber(name, stream=stream, durable=stream.name, pull_sub=PullSub(batch_size=WORKERS),
                                       max_workers=WORKERS, ack_policy=AckPolicy.NACK_ON_ERROR)
        publish = lambda job: broker.publish(job, name, stream=stream.name)  # noqa: E731
    elif kind == "rabbitmq":
        queue = _rabbit_queue(name)
        subscriber = broker.subscriber(queue, ack_policy=AckPolicy.NACK_ON_ERROR, channel=_rabbit_channel())
        publish = lambda job: broker.publish(job, queue=queue, persist=True)  # noqa: E731
    else:
        from faststream.redis import StreamSub
        subscriber = broker.subscriber(stream=StreamSub(name, group="g", consumer="c", polling_interval=100),
                                       ack_policy=AckPolicy.NACK_ON_ERROR, max_workers=WORKERS)
        publish = lambda job: broker.publish(job, stream=name)  # noqa: E731

    @subscriber
    async def handle(job: dict) -> None:
        handled.append(job["n"])

    await broker.start()
    started = time.perf_counter()
    await in_chunks(publish, [{"n": n, "priority": "transactional"} for n in range(jobs)])
    await until(lambda: len(handled) >= jobs)
    elapsed = time.perf_counter() - started
    await broker.stop()
    await _drop_nats_stream(kind, name)
    return jobs / elapsed


async def hubbub(kind: str, jobs: int, directory: Path) -> float:
    outbox = Outbox(directory / f"{kind}.sqlite3")
    prefix = f"bench.deliveries.{uuid.uuid4().hex[:8]}"
    pipeline = BrokerPipeline(URLS[kind], prefix=prefix)
    worker = DeliveryWorker(outbox, {"null": NullChannel()}, retry=pipeline.publish, dead_letter=pipeline.dead_letter,
                            in_thread=OutboxBatches(outbox, asyncio.to_thread))
    outbox.set_channel("u", "null", {})
    queued = [_job(outbox, n) for n in range(jobs)]
    await pipeline.start(worker.handle)
    started = time.perf_counter()
    await in_chunks(pipeline.publish, queued)
    await until(lambda: worker.sent >= jobs)
    elapsed = time.perf_counter() - started
    await pipeline.stop()
    outbox.close()
    await _drop_nats_stream(kind, prefix)
    return jobs / elapsed


async def _drop_nats_stream(kind: str, name: str) -> None:
    if kind == "nats":
        import nats
        client = await nats.connect(URLS["nats"])
        await client.jetstream().delete_stream(name.replace(".", "-"))
        await client.close()


def _job(outbox: Outbox, n: int) -> dict:
    digest = uuid.uuid4().hex
    job = {"delivery_id": str(uuid.uuid4()), "digest_id": digest, "user_id": "u", "channel": "null",
           "items": [{"id": f"n{n}"}], "attempt": 1, "priority": "transactional", "notification_ids": [f"n{n}"]}
    outbox._connection().execute("INSERT INTO digests VALUES (?, 'u', '[]', 'pending', 1, 0, NULL)", (digest,))
    outbox.to_channels(digest, [job], time.time())
    return job


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--brokers", default="redis,rabbitmq,nats")
    args = parser.parse_args()
    print(f"{'broker':10}{'bare jobs/s':>14}{'hubbub jobs/s':>16}{'ratio':>8}   target >= 0.5")
    with tempfile.TemporaryDirectory() as directory:
        for kind in args.brokers.split(","):
            baseline = await bare(kind, args.jobs)
            ours = await hubbub(kind, args.jobs, Path(directory))
            print(f"{kind:10}{baseline:>14,.0f}{ours:>16,.0f}{ours / baseline:>8.2f}")


if __name__ == "__main__":
    asyncio.run(main())
