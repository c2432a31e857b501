"""The ASGI app under Litestar's test client, on an in-memory event store, with cheap hashing."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from hubbub.adapters.ratelimit.policy import TIERS
from hubbub.adapters.settings import Settings
from tests.e2e.people import People

TEST_SECRET = "test-secret-long-enough-for-every-hmac-algorithm-0123456789abcdefgh"
GENEROUS = "100000/1m"


def e2e_settings(tmp_path, **overrides) -> Settings:
    values = dict(
        event_store_url="memory://", data_dir=str(tmp_path), jwt_secret=TEST_SECRET,
        password_time_cost=1, password_memory_cost_kib=8, read_wait_timeout_s=1.0,
        **{f"rate_limit_{tier}": GENEROUS for tier in TIERS},
        projections="thread",  # a memory:// log cannot be read from another process
    )
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One app per test module (building and starting one costs ~0.5 s); People keep tests apart."""
    with TestClient(create_app(e2e_settings(tmp_path_factory.mktemp("app")))) as client:
        yield client


@pytest.fixture
def people(client):
    return People(client)


@pytest.fixture
def ann(people):
    return people.signed_in("ann")


@pytest.fixture
def bob(people):
    return people.signed_in("bob")
