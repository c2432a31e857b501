"""Group commit: concurrent appends share transactions, yet each hears only its own outcome."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from hubbub.application.group_commit import GroupCommit


def event(originator=None, version=1) -> StoredEvent:
    return StoredEvent(originator or uuid4(), version, "topic", b"{}")


class SlowLog:
    """An insert_events that takes a while, enforces unique versions, and numbers what it keeps."""

    def __init__(self, delay_s: float = 0.005):
        self.delay_s = delay_s
        self.rows: list[StoredEvent] = []
        self.keys: set[tuple] = set()
        self.transactions: list[int] = []
        self.lock = threading.Lock()

    def insert(self, events):
        time.sleep(self.delay_s)
        with self.lock:
            keys = [(e.originator_id, e.originator_version) for e in events]
            if len(set(keys)) != len(keys) or self.keys.intersection(keys):
                raise IntegrityError("duplicate aggregate version")
            self.keys.update(keys)
            first = len(self.rows) + 1
            self.rows.extend(events)
            self.transactions.append(len(events))
            return list(range(first, first + len(events)))


def run_concurrently(group, requests):
    start = threading.Barrier(len(requests))

    def one(events):
        start.wait()
        try:
            return group(events)
        except Exception as error:  # noqa: BLE001 - returned to the test to inspect
            return error

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def test_concurrent_appends_share_transactions_and_get_their_own_ids():
    log = SlowLog()
    group = GroupCommit(log.insert)
    requests = [[event(), event()] for _ in range(24)]
    results = run_concurrently(group, requests)
    assert len(log.transactions) < len(requests)  # batched
    assert sum(log.transactions) == 48
    for events, ids in zip(requests, results):
        assert [log.rows[i - 1] for i in ids] == events  # each request's own rows, in its order
        assert ids == list(range(ids[0], ids[0] + 2))  # and contiguous: one atomic append


def test_a_lone_append_commits_at_once():
    log = SlowLog(delay_s=0)
    group = GroupCommit(log.insert)
    assert group([event()]) == [1]
    assert group([event(), event()]) == [2, 3]
    assert log.transactions == [1, 2]


def test_a_conflict_in_a_batch_fails_only_the_conflicting_append():
    log = SlowLog()
    taken = uuid4()
    log.insert([event(taken, 1)])
    group = GroupCommit(log.insert)
    requests = [[event()] for _ in range(10)] + [[event(taken, 1)]]
    results = run_concurrently(group, requests)
    assert isinstance(results[-1], IntegrityError)
    assert all(isinstance(r, list) for r in results[:-1])
    assert len(log.rows) == 11


def test_racers_on_one_aggregate_version_in_a_batch_leave_exactly_one_winner():
    log = SlowLog()
    group = GroupCommit(log.insert)
    hot = uuid4()
    results = run_concurrently(group, [[event(hot, 1)] for _ in range(8)])
    assert sum(isinstance(r, list) for r in results) == 1
    assert all(isinstance(r, IntegrityError) for r in results if not isinstance(r, list))
    assert [e.originator_id for e in log.rows] == [hot]


def test_a_failed_transaction_is_reported_to_every_append_in_it():
    calls = []

    def broken(events):
        calls.append(len(events))
        time.sleep(0.005)
        raise OperationalError("disk full")

    results = run_concurrently(GroupCommit(broken), [[event()] for _ in range(6)])
    assert all(isinstance(r, OperationalError) for r in results)
    assert sum(calls) == 6  # nobody was retried alone or silently dropped
    assert len(calls) < 6  # and some shared a transaction


def test_appends_that_shared_a_failed_transaction_each_raise_their_own_error():
    def broken(events):
        time.sleep(0.01)
        raise OperationalError("disk full")

    results = run_concurrently(GroupCommit(broken), [[event()] for _ in range(6)])
    assert len({id(r) for r in results}) == 6  # one object per thread: tracebacks do not tangle
    assert all(type(r) is OperationalError and r.args == ("disk full",) for r in results)
    assert all(isinstance(r.__cause__, OperationalError) for r in results)  # the original, kept


def test_a_batch_stops_at_the_size_limit():
    log = SlowLog()
    group = GroupCommit(log.insert, max_batch_events=5)
    results = run_concurrently(group, [[event(), event()] for _ in range(12)])
    assert all(isinstance(r, list) for r in results)
    assert max(log.transactions) <= 5 and sum(log.transactions) == 24


def test_an_append_larger_than_the_limit_still_goes_in_one_transaction():
    log = SlowLog(delay_s=0)
    group = GroupCommit(log.insert, max_batch_events=2)
    assert group([event() for _ in range(5)]) == [1, 2, 3, 4, 5]
    assert log.transactions == [5]


def test_a_store_that_returns_no_ids_gives_none_back_to_every_append():
    results = run_concurrently(GroupCommit(lambda events: time.sleep(0.005)), [[event()] for _ in range(4)])
    assert results == [None] * 4
