"""A delivery worker in a process of its own, for tests that kill it: python -m tests.integration.delivery_child."""

from __future__ import annotations

import asyncio
import sys

from hubbub.adapters.notifications.channels.webhook import WebhookChannel
from hubbub.adapters.notifications.outbox import Outbox
from hubbub.adapters.notifications.outbox_batches import OutboxBatches
from hubbub.adapters.notifications.pipeline import BrokerPipeline
from hubbub.adapters.notifications.worker import DeliveryWorker


async def main(outbox_path: str, broker_url: str, prefix: str) -> None:
    outbox, pipeline = Outbox(outbox_path), BrokerPipeline(broker_url, prefix=prefix, claim_idle_ms=500)
    worker = DeliveryWorker(outbox, {"webhook": WebhookChannel(allow_private=True)},
                            retry=pipeline.publish, dead_letter=pipeline.dead_letter,
                            in_thread=OutboxBatches(outbox, asyncio.to_thread),
                            base_delay_s=0.05, lease_s=1.0)
    await pipeline.start(worker.handle)
    for job in outbox.unfinished_jobs():  # as the notification host does when it starts
        await pipeline.publish(job)
    print("started", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
