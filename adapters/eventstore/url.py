"""Turn one event store URL into the environment an eventsourcing Application reads."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

SQLITE_MODULE = "hubbub.adapters.eventstore.sqlite"
POSTGRES_MODULE = "eventsourcing.postgres"
MONGODB_MODULE = "hubbub.adapters.eventstore.mongodb"
MEMORY_MODULE = "eventsourcing.popo"


class EventStoreURLError(ValueError):
    pass


def persistence_env(url: str) -> dict[str, str]:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return _sqlite_env(url)
    if scheme in ("postgresql", "postgres"):
        return _postgres_env(url)
    if scheme in ("mongodb", "mongodb+srv"):
        return _mongodb_env(url)
    if scheme == "memory":
        return {"PERSISTENCE_MODULE": MEMORY_MODULE}
    raise EventStoreURLError(
        f"unsupported event store URL scheme {scheme!r}: "
        "use sqlite:///path, postgresql://user@host:port/db, mongodb://host/db or memory://"
    )


def _sqlite_env(url: str) -> dict[str, str]:
    # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
    if not path:
        raise EventStoreURLError("a SQLite URL needs a path: sqlite:///var/events.sqlite3")
    if path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return {"PERSISTENCE_MODULE": SQLITE_MODULE, "SQLITE_DBNAME": path}


def _postgres_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    if not parts.hostname or not dbname:
        raise EventStoreURLError("a PostgreSQL URL needs a host and a database: postgresql://user@host:5432/db")
    env = {
        "PERSISTENCE_MODULE": POSTGRES_MODULE,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
    }
    env.update(_query_options(parts.query, prefix="POSTGRES_"))
    return env


def _mongodb_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    database = parts.path.lstrip("/") or "hubbub"
    return {"PERSISTENCE_MODULE": MONGODB_MODULE, "MONGODB_URL": url, "MONGODB_DATABASE": database}


def _query_options(query: str, prefix: str) -> dict[str, str]:
    # ?schema=x&pool_size=10 → POSTGRES_SCHEMA=x, POSTGRES_POOL_SIZE=10
    options = {}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        options[prefix + key.upper()] = unquote(value)
    return options
