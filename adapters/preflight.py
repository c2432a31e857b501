"""Before `hubbub serve` starts: each configured store opens, or the process stops with one line
naming the variable to fix (a missing PostgreSQL schema, a database that refuses, a bad URL),
not a traceback from inside the server's startup."""

from __future__ import annotations

from .settings import PREFIX, Settings, SettingsError


def check_stores(settings: Settings) -> None:
    _check(f"{PREFIX}EVENT_STORE_URL", "the event store", _open_event_store, settings)
    _check(f"{PREFIX}READ_STORE_URL", "the read store", _open_read_store, settings)
    if settings.redis_url:
        _check(f"{PREFIX}REDIS_URL", "the Redis URL", _parse_redis_url, settings)


def _check(variable: str, what: str, opening, settings: Settings) -> None:
    try:
        opening(settings)
    except Exception as error:  # noqa: BLE001 - whatever the driver raises, the operator gets one line
        raise SettingsError(f"{variable}: {what} cannot be opened: {_one_line(error)}") from None


def _open_event_store(settings: Settings) -> None:
    from pathlib import Path

    from hubbub.application.app import Hubbub

    from .eventstore.environment import application_env

    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    Hubbub(env=application_env(settings)).close()  # creates the tables, as the server will


def _open_read_store(settings: Settings) -> None:
    from .readstore import open_read_store

    store = open_read_store(settings.read_store_url, settings.data_dir)
    try:
        store.active_version("rooms")  # one round trip: a MongoDB client connects lazily
    finally:
        store.close()


def _parse_redis_url(settings: Settings) -> None:
    # Only the URL: an unreachable Redis is HUBBUB_RATE_LIMIT_FAILURE's business, not a reason to stop.
    from redis.connection import parse_url

    parse_url(settings.redis_url)


def _one_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else 'no detail'}"
