"""The MongoDB lease's own bookkeeping, against a scripted collection: when it asks the server,
what it believes between answers, and when it gives up. What MongoDB does with its queries
(upsert on _id, $$NOW expiry) is tested only against a real server, in
tests/integration/test_projection_lease_mongodb.py."""

from __future__ import annotations

import pytest
from pymongo.errors import AutoReconnect, DuplicateKeyError

from hubbub.adapters.projection_lease import LEASE_ID, MongoLease


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ScriptedLeases:
    """Answers find_one_and_update with what the test queued: None (granted) or an exception."""

    def __init__(self, clock: Clock, round_trip_s: float = 0.0):
        self.answers: list[Exception | None] = []
        self.calls, self.deleted = [], []
        self.clock, self.round_trip_s = clock, round_trip_s

    def find_one_and_update(self, filter, update, upsert):
        self.calls.append((filter, update, upsert))
        self.clock.now += self.round_trip_s
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer

    def delete_one(self, filter):
        self.deleted.append(filter)

    def find_one(self, filter):
        return {"_id": LEASE_ID, "owner": "other:1:ab", "expires_at": "then"}


@pytest.fixture
def clock():
    return Clock()


def lease_on(leases, clock, released=None):
    return MongoLease(leases, ttl_s=30, renew_every_s=5, clock=clock,
                      on_release=(lambda: released.append(True)) if released is not None else (lambda: None))


def test_taking_it_is_one_upsert_that_names_this_owner_and_lets_the_server_judge_expiry(clock):
    leases = ScriptedLeases(clock)
    lease = lease_on(leases, clock)
    assert lease.try_acquire() and lease.held
    (filter, update, upsert), = leases.calls
    assert upsert and filter["_id"] == LEASE_ID
    assert {"owner": lease.owner} in filter["$or"]
    assert {"$expr": {"$lte": ["$expires_at", "$$NOW"]}} in filter["$or"]
    assert update == [{"$set": {"owner": lease.owner, "expires_at": {"$add": ["$$NOW", 30_000]}}}]


def test_a_live_lease_of_someone_else_is_refused(clock):
    leases = ScriptedLeases(clock)
    leases.answers.append(DuplicateKeyError("E11000"))
    lease = lease_on(leases, clock)
    assert not lease.try_acquire() and not lease.held
    assert lease.holder() == "other:1:ab holds the MongoDB projection lease until then"


def test_renewals_go_to_the_server_every_renew_interval_not_every_tick(clock):
    leases = ScriptedLeases(clock)
    lease = lease_on(leases, clock)
    lease.try_acquire()
    for _ in range(4):
        clock.now += 1
        assert lease.renew()
    assert len(leases.calls) == 1
    clock.now += 1
    assert lease.renew() and len(leases.calls) == 2


def test_a_lease_taken_over_meanwhile_is_lost(clock):
    leases = ScriptedLeases(clock)
    lease = lease_on(leases, clock)
    lease.try_acquire()
    clock.now += 5
    leases.answers.append(DuplicateKeyError("E11000"))
    assert not lease.renew() and not lease.held


def test_an_unreachable_server_is_survived_only_while_the_last_renewal_covers_it(clock):
    leases = ScriptedLeases(clock)
    lease = lease_on(leases, clock)
    lease.try_acquire()
    leases.answers.extend([AutoReconnect("primary stepped down")] * 10)
    clock.now += 29
    assert lease.renew()
    clock.now += 1
    assert not lease.renew() and not lease.held


def test_the_renewal_counts_from_before_the_request_not_after_its_answer(clock):
    leases = ScriptedLeases(clock, round_trip_s=2.0)  # the server stamped $$NOW early in those 2 s
    lease = lease_on(leases, clock)
    lease.try_acquire()
    leases.answers.extend([AutoReconnect("gone")] * 10)
    clock.now += 28  # 30 s after the request was sent, 28 s after its answer
    assert not lease.renew()


def test_release_deletes_only_this_owners_lease_and_closes_the_client(clock):
    leases, released = ScriptedLeases(clock), []
    lease = lease_on(leases, clock, released)
    lease.release()
    assert leases.deleted == [] and released == [True]  # never held: nothing to delete
    lease.try_acquire()
    lease.release()
    assert leases.deleted == [{"_id": LEASE_ID, "owner": lease.owner}] and not lease.held
