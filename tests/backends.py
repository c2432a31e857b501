"""Fresh, isolated event stores for a test, one per backend, cleaned up afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

from tests.services import require_mongodb, require_postgres


@contextmanager
def sqlite_url(directory: Path) -> Iterator[str]:
    yield f"sqlite:///{directory / f'events-{uuid4().hex[:8]}.sqlite3'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    """A schema of its own in the test database, dropped at the end."""
    import psycopg

    base = require_postgres()
    schema = f"hubbub_t_{uuid4().hex[:10]}"
    dsn = base.replace("postgresql://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def mongodb_url() -> Iterator[str]:
    """A database of its own on the given replica set, dropped at the end."""
    from urllib.parse import urlsplit, urlunsplit

    import pymongo

    base = require_mongodb()
    name = f"hubbub_t_{uuid4().hex[:10]}"
    parts = urlsplit(base)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    try:
        yield url
    finally:
        with pymongo.MongoClient(base) as client:
            client.drop_database(name)


@contextmanager
def event_store_url(kind: str, directory: Path) -> Iterator[str]:
    if kind == "memory":
        yield "memory://"
    elif kind == "sqlite":
        with sqlite_url(directory) as url:
            yield url
    elif kind == "postgres":
        with postgres_url() as url:
            yield url
    elif kind == "mongodb":
        with mongodb_url() as url:
            yield url
    else:
        raise ValueError(kind)
