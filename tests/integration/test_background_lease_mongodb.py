"""The background lease and consumer positions against a real MongoDB server (MONGODB_URL):
one holder at a time, handed over on release or on expiry by the server's clock, the holder's
report kept while another is refused. Skipped without a server; nothing here is claimed from
mongomock (it has no $$NOW)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pymongo import MongoClient

from hubbub.adapters.readstore import open_read_store
from hubbub.adapters.readstore.mongodb_lease import LEASE_ID, LEASES, MongoBackground
from hubbub.projections.runtime.status import ConsumerStatus
from tests.backends import mongodb_url
from tests.contract.positions import check_compare_and_set

pytestmark = pytest.mark.mongodb
RUNNING = [ConsumerStatus("rooms", 1, 5, 5, "running")]


@pytest.fixture
def database():
    with mongodb_url() as url, MongoClient(url, tz_aware=True) as client:
        yield client.get_default_database()


def test_one_holder_until_it_lets_go(database):
    background = MongoBackground(database)
    assert background.beat("first:1:aa", RUNNING) and background.beat("first:1:aa", RUNNING)  # a renewal
    assert not background.beat("second:2:bb", [])
    record = background.record()
    assert record.holder == "first:1:aa" and not record.expired and record.consumers == tuple(RUNNING)
    background.release("first:1:aa")
    assert database[LEASES].find_one({"_id": LEASE_ID}) is None
    assert background.beat("second:2:bb", []) and not background.beat("first:1:aa", RUNNING)


def test_an_expired_lease_goes_to_the_next_taker(database):
    background = MongoBackground(database, ttl_s=1.0)
    assert background.beat("first:1:aa", RUNNING) and not background.beat("second:2:bb", [])
    time.sleep(1.5)  # the server's clock passes expires_at
    assert background.record().expired
    assert background.beat("second:2:bb", [])
    assert not background.beat("first:1:aa", RUNNING)
    background.release("first:1:aa")  # not its lease any more: deletes nothing
    assert database[LEASES].find_one({"_id": LEASE_ID})["owner"] == "second:2:bb"


def test_concurrent_takers_get_one_lease(database):
    background = MongoBackground(database)
    with ThreadPoolExecutor(8) as pool:
        granted = list(pool.map(lambda n: background.beat(f"taker:{n}:aa", []), range(8)))
    assert granted.count(True) == 1


def test_positions_move_by_compare_and_set(database):
    check_compare_and_set(MongoBackground(database))


def test_the_read_store_hands_out_the_lease_in_its_database():
    with mongodb_url() as url:
        store = open_read_store(url, "")
        try:
            assert store.lease().beat("me:1:aa", [])
            with MongoClient(url) as client:
                assert client.get_default_database()[LEASES].find_one({"_id": LEASE_ID})["owner"] == "me:1:aa"
        finally:
            store.close()
