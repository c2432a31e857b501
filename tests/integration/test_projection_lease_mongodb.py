"""The projection lease against a real MongoDB server (MONGODB_URL): one holder at a time,
handed over on release or on expiry by the server's clock. Skipped without a server; nothing
here is claimed from mongomock (it has no $$NOW)."""

from __future__ import annotations

import time

import pytest
from pymongo import MongoClient

from hubbub.adapters.projection_lease import LEASE_ID, LEASES, MongoLease, mongo_lease
from tests.backends import mongodb_url

pytestmark = pytest.mark.mongodb


@pytest.fixture
def leases():
    with mongodb_url() as url, MongoClient(url, tz_aware=True) as client:
        yield client.get_default_database()[LEASES]


def test_one_holder_until_it_lets_go(leases):
    first, second = MongoLease(leases), MongoLease(leases)
    assert first.try_acquire() and first.try_acquire()  # again: a renewal, still ours
    assert not second.try_acquire()
    assert second.holder().startswith(f"{first.owner} holds")
    first.release()
    assert leases.find_one({"_id": LEASE_ID}) is None
    assert second.try_acquire() and not first.try_acquire()


def test_an_expired_lease_goes_to_the_next_taker_and_its_old_holder_learns_it(leases):
    first = MongoLease(leases, ttl_s=1.0, renew_every_s=0.0)
    second = MongoLease(leases, ttl_s=1.0, renew_every_s=0.0)
    assert first.try_acquire() and not second.try_acquire()
    time.sleep(1.5)  # the server's clock passes expires_at
    assert second.try_acquire()
    assert not first.renew()
    first.release()  # not its lease any more: deletes nothing
    assert leases.find_one({"_id": LEASE_ID})["owner"] == second.owner


def test_concurrent_takers_get_one_lease(leases):
    from concurrent.futures import ThreadPoolExecutor

    takers = [MongoLease(leases) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        granted = list(pool.map(lambda lease: lease.try_acquire(), takers))
    assert granted.count(True) == 1


def test_the_settings_lease_lives_in_the_read_stores_database():
    with mongodb_url() as url:
        lease = mongo_lease(url)
        try:
            assert lease.try_acquire()
            with MongoClient(url) as client:
                assert client.get_default_database()[LEASES].find_one({"_id": LEASE_ID})["owner"] == lease.owner
        finally:
            lease.release()
