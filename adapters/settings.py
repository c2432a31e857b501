"""One typed settings object, read from HUBBUB_* environment variables and an optional .env."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

from .eventstore.url import EventStoreURLError, persistence_env
from .ratelimit.policy import FAILURE_MODES, TIERS, RateError, parse_rate

PREFIX = "HUBBUB_"
_LISTS = ("cors_origins", "trusted_proxies")
# Where the background host runs: process: a child of the web process; thread: inside it;
# off: `hubbub projections run`, run apart.
PROJECTION_MODES = ("process", "thread", "off")
# How long any MongoDB call (a transaction with its retries included) may take before it fails.
MONGODB_TIMEOUT_S = 10.0


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    data_dir: str = "./var"
    event_store_url: str = ""
    redis_url: str = ""
    read_store_url: str = ""
    jwt_secret: str = ""
    jwt_algorithm: str = "HS256"
    jwt_private_key_file: str = ""
    jwt_public_key_file: str = ""
    jwt_issuer: str = "hubbub"
    jwt_audience: str = "hubbub-api"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 604_800
    rate_limit_register: str = "10/15m"
    rate_limit_login: str = "10/15m"  # per username tried
    rate_limit_login_ip: str = "100/15m"
    rate_limit_refresh: str = "60/15m"  # per session
    rate_limit_messages: str = "60/1m"
    rate_limit_search: str = "30/1m"
    rate_limit_other: str = "600/15m"
    rate_limit_failure: str = "open"  # when Redis cannot be reached: see FAILURE_MODES
    trusted_proxies: list[str] = []  # addresses or networks whose X-Forwarded-For is believed
    header_timeout_s: float = 10.0  # a request line and headers must arrive within this
    body_timeout_s: float = 30.0  # and the body within this after them
    metrics_token: str = ""  # when set, /metrics needs it as a bearer token
    read_wait_timeout_s: float = 5.0
    session_check_ttl_s: float = 5.0
    query_threads: int = 2
    shutdown_timeout_s: float = 10.0
    password_time_cost: int = 2
    password_memory_cost_kib: int = 19_456
    cipher_key: str = ""
    compress_events: bool = False
    sqlite_poll_interval_s: float = 0.01
    mongodb_timeout_s: float = MONGODB_TIMEOUT_S
    cors_origins: list[str] = []
    log_level: str = "INFO"
    projections: str = "process"  # where the background host runs: see PROJECTION_MODES
    gateway_connections_per_user: int = 10
    gateway_replay_cap: int = 10_000
    gateway_outbound_limit: int = 1_000  # events queued for one socket before it counts as too slow
    gateway_poll_interval_s: float = 0.002  # how often the gateway looks for new feed rows
    presence_room_limit: int = 100  # larger rooms get no pushed presence: their clients ask /api/rooms/{id}/presence
    delivery_broker_url: str = ""  # redis://, amqp:// or nats://; empty: HUBBUB_REDIS_URL, else in process
    smtp_url: str = ""
    webhook_allow_private: bool = False
    notification_ack_timeout_s: float = 30.0  # a digest shown to a socket, unacknowledged: to channels then
    audit_checkpoint_key_file: str = ""
    encrypt_personal_data: bool = True
    key_store_path: str = ""
    audit_checkpoint_every_events: int = 10_000
    audit_checkpoint_every_s: float = 60.0

    @property
    def resolved_key_store_path(self) -> str:
        return self.key_store_path or str(Path(self.data_dir) / "personal-keys.sqlite3")

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
            values[name] = _split_list(value) if name in _LISTS else value
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
    except (EventStoreURLError, OSError) as error:  # OSError: the SQLite file's folder cannot be made
        raise SettingsError(f"invalid configuration: {PREFIX}EVENT_STORE_URL: {error}") from None
    if settings.read_store_url and not settings.read_store_url.startswith(("mongodb://", "mongodb+srv://")):
        raise SettingsError(f"invalid configuration: {PREFIX}READ_STORE_URL must be empty (embedded) or mongodb://…")
    if settings.jwt_algorithm not in ("HS256", "RS256", "EdDSA"):
        raise SettingsError(f"invalid configuration: {PREFIX}JWT_ALGORITHM must be HS256, RS256 or EdDSA")
    if settings.password_time_cost < 1 or settings.password_memory_cost_kib < 8:
        raise SettingsError(f"invalid configuration: {PREFIX}PASSWORD_* costs are too low")
    _check_http(settings)
    if settings.query_threads < 1:
        raise SettingsError(f"invalid configuration: {PREFIX}QUERY_THREADS must be 1 or more")
    if settings.session_check_ttl_s < 0:
        raise SettingsError(f"invalid configuration: {PREFIX}SESSION_CHECK_TTL_S must be 0 (check every request) or more")
    if settings.sqlite_poll_interval_s <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}SQLITE_POLL_INTERVAL_S must be positive")
    if settings.audit_checkpoint_every_events < 1:
        raise SettingsError(f"invalid configuration: {PREFIX}AUDIT_CHECKPOINT_EVERY_EVENTS must be 1 or more")
    if settings.audit_checkpoint_every_s <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}AUDIT_CHECKPOINT_EVERY_S must be positive")
    if settings.mongodb_timeout_s <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}MONGODB_TIMEOUT_S must be positive")
    _check_gateway(settings)
    check_projections(settings)
    _check_notifications(settings)


def _check_notifications(settings: Settings) -> None:
    broker = settings.delivery_broker_url
    if broker and not broker.startswith(("redis://", "rediss://", "amqp://", "amqps://", "nats://", "tls://")):
        raise SettingsError(f"invalid configuration: {PREFIX}DELIVERY_BROKER_URL must be redis://, amqp:// or nats://")
    if settings.notification_ack_timeout_s <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}NOTIFICATION_ACK_TIMEOUT_S must be positive")
    if settings.smtp_url and not settings.smtp_url.startswith(("smtp://", "smtps://")):
        raise SettingsError(f"invalid configuration: {PREFIX}SMTP_URL must be smtp://host[:port] or smtps://…")


def _check_gateway(settings: Settings) -> None:
    for name in ("gateway_connections_per_user", "gateway_replay_cap", "gateway_outbound_limit", "presence_room_limit"):
        if getattr(settings, name) < 1:
            raise SettingsError(f"invalid configuration: {PREFIX}{name.upper()} must be 1 or more")
    if settings.gateway_poll_interval_s <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}GATEWAY_POLL_INTERVAL_S must be positive")


def check_projections(settings: Settings) -> None:
    """Also called when the read models start, since tests build Settings without load_settings()."""
    if settings.projections not in PROJECTION_MODES:
        raise SettingsError(f"invalid configuration: {PREFIX}PROJECTIONS must be process, thread or off")
    if settings.projections != "thread" and _in_memory(settings.resolved_event_store_url):
        raise SettingsError(
            f"invalid configuration: {PREFIX}PROJECTIONS={settings.projections} needs an event store other "
            f"processes can read; an in-memory one ({PREFIX}EVENT_STORE_URL) needs {PREFIX}PROJECTIONS=thread"
        )


def check_workers(settings: Settings, workers: int) -> None:
    """Several worker processes share only what lives outside each of them."""
    if workers == 1:
        return
    if _in_memory(settings.resolved_event_store_url):
        raise SettingsError(f"--workers {workers}: each worker would have its own in-memory event store")
    if settings.projections == "thread":
        raise SettingsError(f"--workers {workers}: {PREFIX}PROJECTIONS=thread would run a background host in "
                            "every worker; use process (one holds the lease, the others stand by) or off")
    if not settings.redis_url:
        raise SettingsError(f"--workers {workers}: rate limits are counted per process unless "
                            f"{PREFIX}REDIS_URL is set, which would multiply every limit by the workers")


def _in_memory(url: str) -> bool:
    return url.startswith("memory:") or ":memory:" in url or "mode=memory" in url


def settings_env(settings: Settings) -> dict[str, str]:
    """The HUBBUB_* variables that load_settings() turns back into these settings: how a child
    process gets the configuration of a parent that may have been handed a Settings object."""
    return {f"{PREFIX}{name.upper()}": _env_value(getattr(settings, name)) for name in Settings.__struct_fields__}


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def _check_http(settings: Settings) -> None:
    for name in (f"rate_limit_{tier}" for tier in TIERS):
        try:
            parse_rate(getattr(settings, name))
        except RateError as error:
            raise SettingsError(f"invalid configuration: {PREFIX}{name.upper()}: {error}") from None
    if settings.rate_limit_failure not in FAILURE_MODES:
        raise SettingsError(f"invalid configuration: {PREFIX}RATE_LIMIT_FAILURE must be open or closed")
    _check_proxies(settings.trusted_proxies)
    if min(settings.header_timeout_s, settings.body_timeout_s) <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}HEADER_TIMEOUT_S and {PREFIX}BODY_TIMEOUT_S must be positive")
    if settings.jwt_algorithm != "HS256" and not (settings.jwt_private_key_file and settings.jwt_public_key_file):
        raise SettingsError(
            f"invalid configuration: {PREFIX}JWT_ALGORITHM={settings.jwt_algorithm} needs "
            f"{PREFIX}JWT_PRIVATE_KEY_FILE and {PREFIX}JWT_PUBLIC_KEY_FILE"
        )
    if settings.jwt_secret and len(settings.jwt_secret.encode()) < 32:
        raise SettingsError(f"invalid configuration: {PREFIX}JWT_SECRET must be at least 32 bytes")
    if min(settings.access_token_ttl_s, settings.refresh_token_ttl_s) < 1 or settings.read_wait_timeout_s <= 0:
        raise SettingsError(f"invalid configuration: {PREFIX}*_TTL_S and {PREFIX}READ_WAIT_TIMEOUT_S must be positive")


def _check_proxies(proxies: list[str]) -> None:
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(
                f"invalid configuration: {PREFIX}TRUSTED_PROXIES: {proxy!r} is not an address or network"
            ) from None
