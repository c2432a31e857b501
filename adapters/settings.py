"""One typed settings object, read from HUBBUB_* environment variables and an optional .env."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

from .eventstore.url import EventStoreURLError, persistence_env

PREFIX = "HUBBUB_"


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    data_dir: str = "./var"
    event_store_url: str = ""
    redis_url: str = ""
    read_store_url: str = ""
    jwt_secret: str = ""
    jwt_algorithm: str = "HS256"
    password_time_cost: int = 2
    password_memory_cost_kib: int = 19_456
    cipher_key: str = ""
    compress_events: bool = False
    sqlite_poll_interval_s: float = 0.1
    aggregate_cache_size: int = 5_000
    cors_origins: list[str] = []
    log_level: str = "INFO"

    @property
    def resolved_event_store_url(self) -> str:
        return self.event_store_url or f"sqlite:///{Path(self.data_dir) / 'events.sqlite3'}"


class SettingsError(ValueError):
    pass


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    raw = {**_dotenv(environ.get(f"{PREFIX}ENV_FILE", ".env")), **_prefixed(environ)}
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise SettingsError(f"invalid configuration: {_env_name(str(error))}") from None
    _check(settings)
    return settings


def _prefixed(environ: Mapping[str, str]) -> dict[str, object]:
    fields = set(Settings.__struct_fields__)
    values: dict[str, object] = {}
    for key, value in environ.items():
        name = key[len(PREFIX):].lower() if key.startswith(PREFIX) else ""
        if name in fields:
            values[name] = _split_list(value) if name == "cors_origins" else value
    return values


def _dotenv(path: str) -> dict[str, object]:
    if not path or not Path(path).is_file():
        return {}
    pairs = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            pairs[key.strip()] = value.strip().strip("'\"")
    return _prefixed(pairs)


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _env_name(message: str) -> str:
    # msgspec says "... - at `$.jwt_algorithm`"; name the variable the operator actually sets.
    head, _, path = message.partition(" - at `$.")
    return f"{PREFIX}{path.rstrip('`').split('[')[0].upper()}: {head}" if path else message


def _check(settings: Settings) -> None:
    try:
        persistence_env(settings.resolved_event_store_url)
    except EventStoreURLError as error:
        raise SettingsError(f"invalid configuration: {PREFIX}EVENT_STORE_URL: {error}") from None
    if settings.jwt_algorithm not in ("HS256", "RS256", "EdDSA"):
        raise SettingsError(f"invalid configuration: {PREFIX}JWT_ALGORITHM must be HS256, RS256 or EdDSA")
    if settings.password_time_cost < 1 or settings.password_memory_cost_kib < 8:
        raise SettingsError(f"invalid configuration: {PREFIX}PASSWORD_* costs are too low")
    if settings.aggregate_cache_size < 0:
        raise SettingsError(f"invalid configuration: {PREFIX}AGGREGATE_CACHE_SIZE must be 0 (off) or more")
    if settings.sqlite_poll_interval_s <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}SQLITE_POLL_INTERVAL_S must be positive")
