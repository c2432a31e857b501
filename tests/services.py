"""Where the real servers are, and what a test does when one is missing.

In CI (CI=true) a missing PostgreSQL, Redis, RabbitMQ or NATS is a failure: those tests must run there.
Elsewhere they skip with the reason. MongoDB cannot run on these machines, so its suite
runs only when MONGODB_URL names a replica set, and skips (saying so) otherwise.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_URL = os.environ.get("HUBBUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HUBBUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MONGODB_URL = os.environ.get("MONGODB_URL", "")
RABBITMQ_URL = os.environ.get("HUBBUB_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
NATS_URL = os.environ.get("HUBBUB_TEST_NATS_URL", "nats://127.0.0.1:4222")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _missing(what: str) -> None:
    reason = f"{what} is not reachable"
    if in_ci():
        pytest.fail(f"{reason}, and CI must run these tests (.ci/run starts it)", pytrace=False)
    pytest.skip(f"{reason}; start it to run these tests")


def require_postgres() -> str:
    if not _reachable("127.0.0.1", 5432):
        _missing("PostgreSQL at 127.0.0.1:5432")
    return POSTGRES_URL


def require_redis() -> str:
    if not _reachable("127.0.0.1", 6379):
        _missing("Redis at 127.0.0.1:6379")
    return REDIS_URL


def require_mongodb() -> str:
    if not MONGODB_URL:
        pytest.skip("MONGODB_URL is not set: no MongoDB server on this machine, MongoDB suite skipped")
    return MONGODB_URL


def require_redis_server() -> str:
    """The redis-server binary, for tests that start (and kill) a Redis of their own."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server (the binary)")
    return binary

def require_rabbitmq() -> str:
    if not _reachable("127.0.0.1", 5672):
        _missing("RabbitMQ at 127.0.0.1:5672")
    return RABBITMQ_URL


def require_nats() -> str:
    if not _reachable("127.0.0.1", 4222):
        _missing("NATS at 127.0.0.1:4222")
    return NATS_URL
