"""Builds the live signals from the settings: Redis-backed when HUBBUB_REDIS_URL is set."""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis

from hubbub.adapters.settings import Settings
from hubbub.application.bus import CommandBus
from hubbub.application.commands import MarkRead
from hubbub.application.context import CommandContext
from hubbub.application.read_side import ReadSide

from .bus import LocalBus, RedisBus
from .directory import ReadModelDirectory
from .hub import Signals
from .presence_store import InProcessPresenceStore, RedisPresenceStore


def signal_transport(settings: Settings) -> tuple[LocalBus | RedisBus, InProcessPresenceStore | RedisPresenceStore]:
    """The bus between processes and the presence store, on one Redis client when configured.
    Opens nothing yet: the bus connects when started, and closing it closes the client."""
    if not settings.redis_url:
        return LocalBus(), InProcessPresenceStore()
    redis = Redis.from_url(settings.redis_url)
    return RedisBus(redis), RedisPresenceStore(redis)


def build_signals(settings: Settings, commands: CommandBus, reads: ReadSide) -> Signals:
    """Opens nothing yet: `await signals.start()` connects, `await signals.close()` lets go."""

    async def write_mark(user_id: UUID, room_id: UUID, up_to_position: int) -> tuple[int, int]:
        return await commands.submit(MarkRead(room_id, up_to_position), CommandContext(actor_id=user_id))

    bus, store = signal_transport(settings)
    return Signals(bus, store, ReadModelDirectory(reads), write_mark, room_limit=settings.presence_room_limit)
