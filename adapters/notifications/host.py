"""The notification engine on the background host: whoever holds the background lease runs it.

It is one log consumer (background.consumers registers it): `consume` feeds the digest engine.
While the host's supervisor runs it (`start` to `stop`), a thread of its own runs the rest on
an event loop: the delivery worker on the pipeline, the deliverer (sockets, acks, channels) and
a timer that hands due digests over. The deliverer reaches the web processes' sockets over the
signal bus (Redis pub/sub; without HUBBUB_REDIS_URL the signal file in the data directory, which
this host's web processes share), and hears their acks and connects there. Jobs the outbox still
has unfinished are published again at start: the worker skips what was delivered, so a worker
that died loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hubbub.adapters.settings import Settings
from hubbub.adapters.signals.wiring import signal_transport
from hubbub.application.threads import Executors
from hubbub.projections.read_models import ProjectedReadModels
from hubbub.projections.registry import projector
from hubbub.projections.runtime.consumer import LoggedEvent
from hubbub.projections.store import ReadStore, VersionGone

from .channels.email import EmailChannel
from .channels.webhook import WebhookChannel
from .delivery import Deliverer, LiveItems
from .engine import DigestEngine
from .outbox import Outbox
from .outbox_batches import OutboxBatches
from .pipeline import BrokerPipeline, InProcessPipeline
from .source import NotificationSource
from .worker import DeliveryWorker

log = logging.getLogger(__name__)
TICK_S = 1.0
READS = ("inbox", "rooms", "timeline")  # the read models NotificationSource asks
STOP_TIMEOUT_S = 10.0


def outbox_of(settings: Settings) -> Outbox:
    return Outbox(Path(settings.data_dir) / "notifications.sqlite3")


def pipeline_of(settings: Settings) -> BrokerPipeline | InProcessPipeline:
    url = settings.delivery_broker_url or settings.redis_url
    return BrokerPipeline(url) if url else InProcessPipeline()


class StoredPositions:
    """How far the read models the engine reads have stored the log (their committed positions)."""

    def __init__(self, read_store: ReadStore, names: Sequence[str] = READS):
        self.read_store, self.names = read_store, names

    def processed_position(self) -> int:
        return min(self._stored(name) for name in self.names)

    def _stored(self, name: str) -> int:
        version = self.read_store.active_version(name)
        if version is None:
            return 0
        try:
            return self.read_store.open(name, version, projector(name).collections).position()
        except VersionGone:  # switched by a rebuild just now: the next reading finds the new one
            return 0


class NotificationHost:
    """A LogConsumer with a life: the supervisor calls start() when it starts and stop() when it ends."""

    name = DigestEngine.name
    topics = DigestEngine.topics
    # A broadcast's audience comes from the inbox: while one of these is rebuilt in another shape
    # the supervisor feeds this nothing, so no digest is built from the old or a mixed shape.
    reads = READS

    def __init__(self, settings: Settings, read_store: ReadStore):
        self.settings, self.read_store = settings, read_store
        self.read_models = ProjectedReadModels(read_store, StoredPositions(read_store))
        self._engine: DigestEngine | None = None  # opened on first use: building the host opens nothing
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.deliverer: Deliverer | None = None

    @property
    def engine(self) -> DigestEngine:
        if self._engine is None:
            outbox = outbox_of(self.settings)
            source = NotificationSource(self.read_models, StoredPositions(self.read_store).processed_position)
            self._engine = DigestEngine(outbox, source, outbox.prefs_of, on_handed_over=lambda _: self._wake())
        return self._engine

    # The LogConsumer.
    def committed_position(self) -> int:
        return self.engine.committed_position()

    def consume(self, events: Sequence[LoggedEvent], up_to: int) -> None:
        self.engine.consume(events, up_to)

    # Its life on the supervisor.
    def start(self) -> None:
        self._ready.clear()
        self._thread = threading.Thread(target=asyncio.run, args=(self._deliver(),), name="hubbub-notifications",
                                        daemon=True)
        self._thread.start()
        self._ready.wait(STOP_TIMEOUT_S)

    def stop(self) -> None:
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None:
            with contextlib.suppress(RuntimeError):  # the loop ended already
                loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None
        if self._engine is not None:
            self._engine.outbox.close()
            self._engine = None

    async def _deliver(self) -> None:
        self._loop, self._stopped = asyncio.get_running_loop(), asyncio.Event()
        executors = Executors(query_threads=1, blocking_threads=4)
        bus, presence = signal_transport(self.settings)
        try:
            async with _Delivery(self, executors, bus, presence) as delivery:
                self.deliverer = delivery.deliverer
                self._ready.set()
                await self._stopped.wait()
        except Exception:  # noqa: BLE001 - the log side goes on; delivery starts again with the host
            log.exception("notification delivery failed")
        finally:
            self._ready.set()
            self.deliverer = None
            await bus.close()  # and the Redis client or signal file the presence store reads through
            executors.close()

    def _wake(self) -> None:
        loop, deliverer = self._loop, self.deliverer
        if loop is not None and deliverer is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(deliverer.wake)


class _Delivery:
    """The async side, started and stopped in order on the host's loop."""

    def __init__(self, host: NotificationHost, executors: Executors, bus: Any, presence: Any):
        self.host, self.executors, self.bus, self.presence = host, executors, bus, presence
        settings, self.outbox = host.settings, host.engine.outbox
        self.pipeline = pipeline_of(settings)
        self.webhook = WebhookChannel(settings.webhook_allow_private)
        channels: dict[str, Any] = {"webhook": self.webhook}
        if settings.smtp_url:
            channels["email"] = EmailChannel(settings.smtp_url, executors.in_thread)
        self.worker = DeliveryWorker(self.outbox, channels, retry=self.pipeline.publish,
                                     dead_letter=self.pipeline.dead_letter,
                                     in_thread=OutboxBatches(self.outbox, executors.in_thread))
        self.deliverer = Deliverer(self.outbox, bus, self._is_online, LiveItems(host.read_models),
                                   self.pipeline.publish, frozenset(channels), executors.in_thread,
                                   ack_timeout_s=settings.notification_ack_timeout_s)
        self._tasks: list[asyncio.Task] = []

    async def __aenter__(self) -> _Delivery:
        await self.bus.start()
        await self.pipeline.start(self.worker.handle)
        for job in await self.executors.in_thread(self.outbox.unfinished_jobs):
            await self.pipeline.publish(job)
        self._tasks = [asyncio.create_task(self.deliverer.run()), asyncio.create_task(self._tick())]
        return self

    async def __aexit__(self, *_: object) -> None:
        self.deliverer.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.pipeline.stop()
        await self.webhook.close()

    async def _tick(self) -> None:
        while True:
            try:
                await self.executors.in_thread(self.host.engine.tick)
            except Exception:  # noqa: BLE001 - the read store or outbox is away: try again next tick
                log.exception("notification tick failed")
            await asyncio.sleep(TICK_S)

    async def _is_online(self, user_id: str) -> bool:
        [state] = await self.presence.states([user_id])
        return state.online
