"""What the web process builds at startup and closes at shutdown: the HTTP composition root."""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.adapters.auth.keys import load_keys
from hubbub.adapters.auth.live_sessions import LiveSessions
from hubbub.adapters.auth.revocation_watch import RevocationWatch
from hubbub.adapters.auth.revocations import SessionRevocations
from hubbub.adapters.auth.tokens import Tokens
from hubbub.adapters.bootstrap import bootstrap, bootstrap_read_models
from hubbub.adapters.ratelimit.memory import InProcessCounter
from hubbub.adapters.ratelimit.policy import TIERS, Counter, Rate, parse_rate
from hubbub.adapters.ratelimit.redis import RedisCounter
from hubbub.adapters.settings import Settings
from hubbub.projections.read_models import ProjectedReadModels
from hubbub.application.services import Services
from hubbub.application.threads import in_thread, use_query_threads

from .metrics import HttpMetrics


@dataclass
class Runtime:
    settings: Settings
    services: Services
    read_models: ProjectedReadModels
    tokens: Tokens
    counter: Counter
    rates: dict[str, Rate]
    revocations: SessionRevocations
    live_sessions: LiveSessions
    revocation_watch: RevocationWatch

    async def close(self) -> None:
        await in_thread(self.revocation_watch.stop)
        await self.counter.close()
        await in_thread(self.read_models.close)
        await in_thread(self.services.close)


async def start_runtime(settings: Settings, metrics: HttpMetrics) -> Runtime:
    use_query_threads(settings.query_threads)
    services = await in_thread(bootstrap, settings)
    read_models = await in_thread(bootstrap_read_models, settings, services)
    revocations, live_sessions = SessionRevocations(), LiveSessions(settings.session_check_ttl_s)
    revocations.subscribe(lambda session_id, _reason: live_sessions.revoked(session_id))
    # Another process's revocations reach every listener here too, socket gateway included.
    watch = RevocationWatch(services.app.recorder, lambda session_id: revocations.revoked([session_id], "revoked"))
    await in_thread(watch.start)
    runtime = Runtime(
        settings=settings,
        services=services,
        read_models=read_models,
        tokens=await in_thread(tokens_from, settings),
        counter=RedisCounter.from_url(settings.redis_url) if settings.redis_url else InProcessCounter(),
        rates={tier: parse_rate(getattr(settings, f"rate_limit_{tier}")) for tier in TIERS},
        revocations=revocations,
        live_sessions=live_sessions,
        revocation_watch=watch,
    )
    writer = services.writer
    metrics.watch_log(services.app.head, read_models.lag, lambda: (writer.batches, writer.commands))
    return runtime


def tokens_from(settings: Settings) -> Tokens:
    keys = load_keys(
        settings.jwt_algorithm, settings.jwt_secret, settings.jwt_private_key_file,
        settings.jwt_public_key_file, settings.data_dir,
    )
    return Tokens(keys, settings.jwt_issuer, settings.jwt_audience,
                  settings.access_token_ttl_s, settings.refresh_token_ttl_s)
