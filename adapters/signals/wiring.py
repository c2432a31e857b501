"""Builds the live signals from the settings: over Redis when HUBBUB_REDIS_URL is set, else over
the host's signal file in the data directory, which every process on it shares."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from redis.asyncio import Redis

from hubbub.adapters.settings import Settings
from hubbub.application.bus import CommandBus
from hubbub.application.commands import MarkRead
from hubbub.application.context import CommandContext
from hubbub.application.read_side import ReadSide

from .bus import RedisBus
from .directory import ReadModelDirectory
from .hub import Signals
from .ports import PresenceStore, SignalBus
from .presence_store import RedisPresenceStore
from .sqlite_bus import SqliteBus
from .sqlite_file import FILE_NAME, SignalFile
from .sqlite_presence import SqlitePresenceStore


def signal_transport(settings: Settings) -> tuple[SignalBus, PresenceStore]:
    """The bus between processes and the presence store, on one Redis client when configured,
    else on one connection to `$HUBBUB_DATA_DIR/signals.sqlite3` (the web processes and the
    background host of one data directory meet there). Opens nothing yet: the bus connects when
    started, and closing it closes the client or the file."""
    if not settings.redis_url:
        file = SignalFile(Path(settings.data_dir) / FILE_NAME)
        return SqliteBus(file), SqlitePresenceStore(file)
    redis = Redis.from_url(settings.redis_url)
    return RedisBus(redis), RedisPresenceStore(redis)


def build_signals(settings: Settings, commands: CommandBus, reads: ReadSide) -> Signals:
    """Opens nothing yet: `await signals.start()` connects, `await signals.close()` lets go."""

    async def write_mark(user_id: UUID, room_id: UUID, up_to_position: int) -> tuple[int, int]:
        return await commands.submit(MarkRead(room_id, up_to_position), CommandContext(actor_id=user_id))

    bus, store = signal_transport(settings)
    return Signals(bus, store, ReadModelDirectory(reads), write_mark, room_limit=settings.presence_room_limit)
