"""The composition root: the one place that picks adapters and hands them to the application.

`start_runtime` builds the one Runtime that HTTP, the CLI, a socket gateway and the background
host share; `bootstrap` and `bootstrap_read_models` are its parts, for callers that need only one.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from hubbub.application.app import Hubbub
from hubbub.application.bus import CommandBus
from hubbub.application.ports import PasswordHasher
from hubbub.application.read_side import ReadSide
from hubbub.application.services import Services
from hubbub.application.threads import Executors
from hubbub.projections.read_models import ProjectedReadModels
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.progress import LocalProgress, Progress, StoredProgress
from hubbub.projections.store import ReadStore

from .auth.keys import load_keys
from .auth.live_sessions import LiveSessions
from .auth.revocation_watch import RevocationWatch
from .auth.revocations import SessionRevocations
from .auth.tokens import Tokens
from .background.consumers import background_host
from .background.process import BackgroundProcess
from .eventstore.environment import application_env
from .notifications.host import outbox_of
from .notifications.outbox import Outbox
from .passwords import Argon2Hasher
from .ratelimit.memory import InProcessCounter
from .ratelimit.policy import TIERS, Counter, Rate, parse_rate
from .ratelimit.redis import RedisCounter
from .readstore import open_read_store
from .settings import Settings, check_projections, load_settings
from .signals.hub import Signals
from .signals.wiring import build_signals


@dataclass
class Runtime:
    settings: Settings
    services: Services
    commands: CommandBus
    read_models: ProjectedReadModels
    reads: ReadSide  # the read models as transports ask them: caught up without a thread, then queried
    tokens: Tokens
    live_sessions: LiveSessions
    revocations: SessionRevocations  # subscribe(callback(session_id, reason)): every process's revocations
    counter: Counter
    rates: dict[str, Rate]
    executors: Executors
    revocation_watch: RevocationWatch
    signals: Signals  # typing, presence, read receipts: what a socket gateway calls
    outbox: Outbox  # notification channels and deliveries (the background host delivers)

    async def close(self) -> None:
        await self.signals.close()
        await self.executors.in_thread(self.outbox.close)
        await self.executors.in_thread(self.revocation_watch.stop)
        await self.counter.close()
        await self.reads.close()
        await self.executors.in_thread(self.read_models.close)
        await self.executors.in_thread(self.services.close)
        self.executors.close()


async def start_runtime(settings: Settings, hasher: PasswordHasher | None = None, *,
                        start_projections: bool = True) -> Runtime:
    """Everything a transport needs, started; `await runtime.close()` stops it. A one-off command
    (the CLI) passes `start_projections=False`: it reads no read model."""
    executors = Executors(settings.query_threads)
    services = await executors.in_thread(bootstrap, settings, hasher, executors.blocking)
    read_models = await executors.in_thread(bootstrap_read_models, settings, services, start_projections)
    revocations, live_sessions = SessionRevocations(), LiveSessions(settings.session_check_ttl_s)
    revocations.subscribe(lambda session_id, _reason: live_sessions.revoked(session_id))
    watch = RevocationWatch(services.app.recorder, services.app.mapper,
                            lambda session_id, reason: revocations.revoked([session_id], reason))
    await executors.in_thread(watch.start)
    reads = ReadSide(read_models, executors, settings.read_wait_timeout_s)
    runtime = Runtime(
        settings=settings,
        services=services,
        commands=services.commands,
        read_models=read_models,
        reads=reads,
        tokens=await executors.in_thread(tokens_from, settings),
        live_sessions=live_sessions,
        revocations=revocations,
        counter=RedisCounter.from_url(settings.redis_url) if settings.redis_url else InProcessCounter(),
        rates={tier: parse_rate(getattr(settings, f"rate_limit_{tier}")) for tier in TIERS},
        executors=executors,
        revocation_watch=watch,
        signals=build_signals(settings, services.commands, reads),
        outbox=await executors.in_thread(outbox_of, settings),
    )
    await runtime.signals.start()
    return runtime


def tokens_from(settings: Settings) -> Tokens:
    keys = load_keys(
        settings.jwt_algorithm, settings.jwt_secret, settings.jwt_private_key_file,
        settings.jwt_public_key_file, settings.data_dir,
    )
    return Tokens(keys, settings.jwt_issuer, settings.jwt_audience,
                  settings.access_token_ttl_s, settings.refresh_token_ttl_s)


def bootstrap(settings: Settings | None = None, hasher: PasswordHasher | None = None,
              executor: Executor | None = None) -> Services:
    """Build the application on the configured event store; opens connections, so call it at start.
    `executor` runs password work before commands are queued (the runtime's blocking threads)."""
    settings = settings or load_settings()
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    app = Hubbub(env=application_env(settings))
    hasher = hasher or Argon2Hasher(settings.password_time_cost, settings.password_memory_cost_kib)
    return Services.build(app, hasher, executor)


def bootstrap_read_models(settings: Settings, services: Services, start: bool = True) -> ProjectedReadModels:
    """The read models on the configured read store, and the background host started (unless not
    `start`) where HUBBUB_PROJECTIONS says: in a child process (process), in a thread of this one
    (thread), or nowhere, `hubbub projections run` running apart (off). close() stops what
    start() started.
    """
    check_projections(settings)
    read_store = open_read_store(settings.read_store_url, settings.data_dir, settings.mongodb_timeout_s)
    read_models = ProjectedReadModels(read_store, _progress(settings, services, read_store))
    if start:
        read_models.start()
    return read_models


def _progress(settings: Settings, services: Services, read_store: ReadStore) -> Progress:
    runner = BackgroundProcess(settings) if settings.projections == "process" else None
    stored = StoredProgress(EventLog(services.app), read_store, PROJECTORS, read_store.lease(), runner)
    if settings.projections == "thread":
        return LocalProgress(background_host(settings, services, read_store), stored)
    return stored
