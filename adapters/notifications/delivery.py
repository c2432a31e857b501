"""Digests to sockets first, then to external channels: the offline queue and its timeouts.

A digest handed over by the engine is re-checked (items deleted, read or from a muted room are
dropped), then shown to the user's sockets (`notification` over the signal bus) when they are
online. A socket acknowledges it with `notification:ack`. Not acknowledged within
`ack_timeout_s`, or no socket at all: it goes to the user's external channels as one delivery
job per channel, whose id is derived from the digest and the channel. A user without channels
keeps it until a socket connects. On connect, every unacknowledged digest is shown at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from hubbub.application.digests import delivery_id
from hubbub.application.read_models import ReadModels
from .channels import Offload
from .outbox import Outbox

log = logging.getLogger(__name__)
ACK_TIMEOUT_S = 30.0
Publish = Callable[[dict[str, Any]], Awaitable[None]]  # hands a delivery job to the pipeline


class LiveItems:
    """The send-time check: what of a digest is still worth sending."""

    def __init__(self, read_models: ReadModels):
        self.read_models = read_models

    def __call__(self, user_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [i for i in items if self._live(UUID(user_id), i)]

    def _live(self, user_id: UUID, item: dict[str, Any]) -> bool:
        doc = self.read_models.notification(user_id, UUID(item["id"]))
        if doc is None or doc["read"]:
            return False  # deleted since, or read elsewhere
        return not (item.get("room_id") and self.read_models.muted(user_id, UUID(item["room_id"])))


class Deliverer:
    def __init__(self, outbox: Outbox, bus: Any, is_online: Callable[[str], Awaitable[bool]],
                 live_items: Callable[[str, list[dict]], list[dict]], publish: Publish,
                 channels: frozenset[str], in_thread: Offload, clock: Callable[[], float] = time.time,
                 ack_timeout_s: float = ACK_TIMEOUT_S):
        self.outbox, self.bus, self.is_online, self.live_items = outbox, bus, is_online, live_items
        self.publish, self.channels, self.clock, self.ack_timeout_s = publish, channels, clock, ack_timeout_s
        self.in_thread = in_thread
        self._woken = asyncio.Event()
        bus.subscribe(self._heard)

    def close(self) -> None:
        self.bus.unsubscribe(self._heard)

    def wake(self) -> None:
        """Something was handed over: look at the outbox now rather than at the next tick."""
        self._woken.set()

    async def run(self, every_s: float = 1.0) -> None:
        while True:
            await self.sweep()
            self._woken.clear()
            try:
                await asyncio.wait_for(self._woken.wait(), every_s)
            except TimeoutError:
                pass

    async def sweep(self) -> None:
        for digest in await self.in_thread(self.outbox.waiting):
            try:
                await self._advance(digest)
            except Exception:  # one bad digest must not hold the others up
                log.exception("digest delivery failed", extra={"digest_id": digest["digest_id"]})

    async def _advance(self, digest: dict[str, Any]) -> None:
        if digest["state"] == "external":
            return
        shown_at = digest["sent_at"]
        if shown_at is not None and self.clock() - shown_at < self.ack_timeout_s:
            return
        items = await self.in_thread(self.live_items, digest["user_id"], digest["items"])
        if not items:
            await self.in_thread(self.outbox.dropped, digest["digest_id"])
        elif shown_at is None and await self.is_online(digest["user_id"]):
            await self._show(digest, items)
        else:
            await self._to_channels(digest, items)

    async def _show(self, digest: dict[str, Any], items: list[dict]) -> None:
        payload = {"digest_id": digest["digest_id"], "items": items}
        await self.bus.publish("notification", {"user_id": digest["user_id"], "digest": payload})
        await self.in_thread(self.outbox.shown, digest["digest_id"], self.clock())

    async def _to_channels(self, digest: dict[str, Any], items: list[dict]) -> None:
        user_id = digest["user_id"]
        channels = [c for c in await self.in_thread(self.outbox.channels_of, user_id) if c in self.channels]
        if not channels:
            return  # kept for the user's next socket
        jobs = [{"delivery_id": delivery_id(digest["digest_id"], channel), "digest_id": digest["digest_id"],
                 "user_id": user_id, "channel": channel, "items": items, "attempt": 1,
                 "priority": "transactional" if digest["transactional"] else "promotional",
                 "notification_ids": [i["id"] for i in items]} for channel in channels]
        if await self.in_thread(self.outbox.to_channels, digest["digest_id"], jobs, self.clock()):
            for job in jobs:
                await self.publish(job)

    async def _heard(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "notification:ack":
            await self.in_thread(self.outbox.acked, payload["user_id"], payload["id"])
        elif kind == "socket:connected":
            await self.reconnected(payload["user_id"])

    async def reconnected(self, user_id: str) -> None:
        """The offline queue: everything not yet acknowledged goes to the new socket at once."""
        for digest in await self.in_thread(self.outbox.unacked, user_id):
            items = await self.in_thread(self.live_items, user_id, digest["items"])
            if items:
                await self._show(digest, items)
