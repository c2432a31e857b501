"""The notification engine as one unit for the background host (the lease holder runs it).

`engine` is the LogConsumer the host feeds with the log; `start()` runs the rest: the delivery
worker on the pipeline, the deliverer (sockets, acks, channels) and a timer that hands due
digests over. Jobs the outbox still has unfinished are published again at start: the worker
skips what was delivered, so a worker that died loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any
from uuid import UUID

from hubbub.adapters.settings import Settings
from hubbub.adapters.signals.hub import Signals
from hubbub.application.read_models import ReadModels
from hubbub.application.services import Services
from hubbub.application.threads import in_thread
from hubbub.domain.account import Account

from .channels.email import EmailChannel
from .channels.webhook import WebhookChannel
from .delivery import Deliverer, LiveItems
from .engine import DigestEngine
from .outbox import Outbox
from .pipeline import BrokerPipeline, InProcessPipeline
from .source import NotificationSource
from .worker import DeliveryWorker

TICK_S = 1.0


def outbox_of(settings: Settings) -> Outbox:
    return Outbox(Path(settings.data_dir) / "notifications.sqlite3")


def pipeline_of(settings: Settings) -> BrokerPipeline | InProcessPipeline:
    url = settings.delivery_broker_url or settings.redis_url
    return BrokerPipeline(url) if url else InProcessPipeline()


class NotificationHost:
    def __init__(self, settings: Settings, services: Services, read_models: ReadModels, signals: Signals):
        self.outbox, self.pipeline = outbox_of(settings), pipeline_of(settings)
        self.webhook = WebhookChannel(settings.webhook_allow_private)
        channels: dict[str, Any] = {"webhook": self.webhook}
        if settings.smtp_url:
            channels["email"] = EmailChannel(settings.smtp_url)
        self.worker = DeliveryWorker(self.outbox, channels, retry=self.pipeline.publish,
                                     dead_letter=self.pipeline.dead_letter)
        self.deliverer = Deliverer(self.outbox, signals.bus, self._online_check(signals), LiveItems(read_models),
                                   self.pipeline.publish, frozenset(channels))
        prefs_of = lambda user_id: services.app.load(Account, UUID(user_id)).notification_prefs  # noqa: E731
        self.engine = DigestEngine(self.outbox, NotificationSource(read_models), prefs_of,
                                   on_handed_over=lambda _: self._wake())
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.pipeline.start(self.worker.handle)
        for job in await in_thread(self.outbox.unfinished_jobs):
            await self.pipeline.publish(job)
        self._tasks = [asyncio.create_task(self.deliverer.run()), asyncio.create_task(self._tick())]

    async def close(self) -> None:
        self.deliverer.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.pipeline.stop()
        await self.webhook.close()
        await in_thread(self.outbox.close)

    async def _tick(self) -> None:
        while True:
            await in_thread(self.engine.tick)
            await asyncio.sleep(TICK_S)

    def _wake(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.deliverer.wake)

    @staticmethod
    def _online_check(signals: Signals):
        async def is_online(user_id: str) -> bool:
            [state] = await signals.presence.states([UUID(user_id)])
            return state.online
        return is_online

