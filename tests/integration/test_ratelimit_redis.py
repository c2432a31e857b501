"""The Redis counter: atomic across clients (workers), expiring windows, and shared by two apps."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from litestar.testing import TestClient
from redis.asyncio import Redis

from hubbub.adapters.http.app import create_app
from hubbub.adapters.ratelimit.policy import parse_rate
from hubbub.adapters.ratelimit.redis import RedisCounter
from tests.e2e.conftest import e2e_settings
from tests.services import require_redis

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url():
    return require_redis()


@pytest.fixture
async def prefix(redis_url):
    prefix = f"hubbub:test:{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_concurrent_hits_from_several_clients_are_all_counted(redis_url, prefix):
    workers = [RedisCounter(Redis.from_url(redis_url), prefix) for _ in range(4)]
    rate = parse_rate("50/1m")
    verdicts = await asyncio.gather(*(workers[n % 4].hit("ann", rate) for n in range(80)))
    allowed = [v for v in verdicts if v.allowed]
    assert len(allowed) == 50
    assert sorted(v.remaining for v in allowed) == list(range(50))
    for worker in workers:
        await worker.close()


async def test_a_window_expires_in_redis_itself(redis_url, prefix):
    counter = RedisCounter(Redis.from_url(redis_url), prefix)
    rate = parse_rate("3/1m")
    first = await counter.hit("bob", rate)
    assert first.allowed and first.remaining == 2 and 55 <= first.reset_s <= 60
    raw = Redis.from_url(redis_url)
    ttl_ms = await raw.pttl(f"{prefix}60:bob")
    assert 0 < ttl_ms <= 60_000
    # Expire the window the way time would: the next hit opens a fresh one.
    await raw.pexpire(f"{prefix}60:bob", 1)
    await asyncio.sleep(0.01)
    assert (await counter.hit("bob", rate)).remaining == 2
    await raw.aclose()
    await counter.close()


async def test_a_key_left_without_expiry_gets_one(redis_url, prefix):
    raw = Redis.from_url(redis_url)
    await raw.set(f"{prefix}60:cat", 5)
    counter = RedisCounter(Redis.from_url(redis_url), prefix)
    verdict = await counter.hit("cat", parse_rate("10/1m"))
    assert verdict.remaining == 4 and 0 < await raw.pttl(f"{prefix}60:cat") <= 60_000
    await raw.aclose()
    await counter.close()


def test_two_app_processes_share_one_limit(tmp_path, redis_url, prefix, monkeypatch):
    monkeypatch.setattr("hubbub.adapters.ratelimit.redis.KEY_PREFIX", prefix)
    settings = e2e_settings(tmp_path, redis_url=redis_url, rate_limit_login="3/15m")
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        answers = [client.post("/api/auth/login", json={"username": "x", "password": "y" * 8}) for client in (one, two, one, two)]
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        assert one.get("/ready").json()["checks"]["redis"]["status"] == "ok"
    keys = asyncio.run(_keys(redis_url, prefix))
    assert sorted(keys) == [f"{prefix}60:login_ip:ip:testclient".encode(), f"{prefix}900:login:name:x".encode()]


async def _keys(redis_url: str, prefix: str) -> list[bytes]:
    client = Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(f"{prefix}*")]
    await client.aclose()
    return keys
