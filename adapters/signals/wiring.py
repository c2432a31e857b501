"""Builds the live signals from the settings: Redis-backed when HUBBUB_REDIS_URL is set."""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis

from hubbub.adapters.settings import Settings
from hubbub.application.context import CommandContext
from hubbub.application.read_models import ReadModels
from hubbub.application.services import Services
from hubbub.application.threads import in_thread

from .bus import LocalBus, RedisBus
from .directory import ReadModelDirectory
from .hub import Signals
from .presence_store import InProcessPresenceStore, RedisPresenceStore


def build_signals(settings: Settings, services: Services, read_models: ReadModels) -> Signals:
    """Opens nothing yet: `await signals.start()` connects, `await signals.close()` lets go."""

    async def write_mark(user_id: UUID, room_id: UUID, up_to_position: int) -> tuple[int, int]:
        return await in_thread(services.reads.mark_read, CommandContext(actor_id=user_id), room_id, up_to_position)

    directory = ReadModelDirectory(read_models)
    if not settings.redis_url:
        return Signals(LocalBus(), InProcessPresenceStore(), directory, write_mark)
    redis = Redis.from_url(settings.redis_url)
    return Signals(RedisBus(redis), RedisPresenceStore(redis), directory, write_mark)
