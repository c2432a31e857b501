"""Runs one delivery job: dedupe by delivery id, send, record; on failure retry with backoff, then dead.

A job whose delivery is already `delivered` or `dead` is acknowledged and dropped, so a job
the broker delivers twice (a worker killed before its ack) reaches the channel once. An attempt
holds a lease on its delivery in the outbox: a copy of the job arriving meanwhile (at another
worker, or this one) waits for the outcome instead of sending again. Only a worker killed
between the channel's answer and recording it causes a repeat, under the same delivery id. A failed
attempt is recorded and the job published again with `not_before` set by exponential backoff
with full jitter; after `max_attempts` the delivery is `dead` and the job goes to the
dead-letter queue.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .channels import Channel, DeliveryFailed, Offload
from .outbox import Outbox

MAX_ATTEMPTS = 5
BASE_DELAY_S = 1.0
MAX_DELAY_S = 300.0
LEASE_S = 30.0  # longer than any channel's own timeout
Publish = Callable[[dict[str, Any]], Awaitable[None]]


def backoff(attempt: int, base_s: float = BASE_DELAY_S, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, base·2^(attempt-1)], capped."""
    ceiling = min(MAX_DELAY_S, base_s * 2 ** (attempt - 1))
    return (rng or random).uniform(0, ceiling)


class DeliveryWorker:
    def __init__(self, outbox: Outbox, channels: dict[str, Channel], *, retry: Publish, dead_letter: Publish,
                 in_thread: Offload,
                 max_attempts: int = MAX_ATTEMPTS, base_delay_s: float = BASE_DELAY_S, lease_s: float = LEASE_S,
                 clock: Callable[[], float] = time.time):
        self.outbox, self.channels, self.retry, self.dead_letter = outbox, channels, retry, dead_letter
        self.max_attempts, self.base_delay_s, self.lease_s, self.clock = max_attempts, base_delay_s, lease_s, clock
        self.in_thread = in_thread
        self.sent = 0

    async def handle(self, job: dict[str, Any]) -> str:
        """Returns what became of the job: delivered, retrying, dead or skipped."""
        await self._not_before(job)
        record = await self._claim(job["delivery_id"])
        if record is None:
            return "skipped"

        config, channel = record["config"], self.channels.get(job["channel"])
        try:
            if config is None or channel is None:
                raise DeliveryFailed(f"the {job['channel']} channel is not configured", permanent=True)
            await channel.send(job, config)
        except DeliveryFailed as failure:
            return await self._failed(job, record["attempts"] + 1, failure)
        await self.in_thread(self.outbox.attempted, job["delivery_id"], "delivered", None, self.clock())
        self.sent += 1
        return "delivered"

    async def _failed(self, job: dict[str, Any], attempts: int, failure: DeliveryFailed) -> str:
        if failure.permanent or attempts >= self.max_attempts:
            await self.in_thread(self.outbox.attempted, job["delivery_id"], "dead", str(failure), self.clock())
            await self.dead_letter({**job, "attempt": attempts, "error": str(failure)})
            return "dead"
        await self.in_thread(self.outbox.attempted, job["delivery_id"], "failed", str(failure), self.clock())
        delay = backoff(attempts, self.base_delay_s)
        await self.retry({**job, "attempt": attempts + 1, "not_before": self.clock() + delay})
        return "retrying"

    async def _claim(self, delivery_id: str) -> dict[str, Any] | None:
        while True:
            state, record = await self.in_thread(self.outbox.claim, delivery_id, self.clock(), self.lease_s)
            if state != "busy":
                return record
            await asyncio.sleep(0.1)

    async def _not_before(self, job: dict[str, Any]) -> None:
        wait = job.get("not_before", 0) - self.clock()
        if wait > 0:
            await asyncio.sleep(min(wait, MAX_DELAY_S))
