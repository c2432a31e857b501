"""Concurrent appends keep the application sequence gap-free and followable.

Writer threads append batches of events to their own aggregates, all at once,
through the application recorder, while a follower on its own factory (as a
projection process would be) subscribes from the start. The ids handed back to the
writers must be exactly start+1 .. start+N with each batch contiguous, and the
follower must see every one of them exactly once, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    Notification,
    StoredEvent,
    Subscription,
)
from psycopg import sql

from hubbub.adapters.eventstore.url import persistence_env
from tests.services import require_mongodb, require_postgres

WRITERS = 8
AGGREGATES_PER_WRITER = 6
BATCHES_PER_AGGREGATE = 5
EVENTS_PER_BATCH = 2
TOTAL_EVENTS = WRITERS * AGGREGATES_PER_WRITER * BATCHES_PER_AGGREGATE * EVENTS_PER_BATCH  # 480
FOLLOWER_DEADLINE = 60.0

Batch = tuple[list[StoredEvent], list[int]]


@pytest.fixture(params=["sqlite", "postgres", "mongodb"])
def event_store_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield persistence_env(f"sqlite:///{tmp_path / 'events.sqlite3'}")
    elif request.param == "postgres":
        yield from _postgres_env(require_postgres())
    else:
        yield from _mongodb_env(require_mongodb())


def _postgres_env(url: str) -> Iterator[dict[str, str]]:
    # A schema of our own, dropped with its tables: nothing left behind, and no
    # sharing the sequence with other suites using the same database.
    schema = f"hubbub_concurrency_{uuid4().hex[:12]}"
    _execute(url, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield persistence_env(url) | {"POSTGRES_SCHEMA": schema}
    finally:
        _execute(url, sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _execute(url: str, statement: sql.Composed) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def _mongodb_env(url: str) -> Iterator[dict[str, str]]:
    import pymongo  # only needed when a MongoDB server is configured

    database = f"hubbub_concurrency_{uuid4().hex[:12]}"
    try:
        yield persistence_env(url) | {"MONGODB_DATABASE": database}
    finally:
        with pymongo.MongoClient(url) as client:
            client.drop_database(database)


@pytest.fixture
def factories(
    event_store_env: dict[str, str],
) -> Iterator[tuple[InfrastructureFactory, InfrastructureFactory]]:
    # Construct through the factory only: the MongoDB module is imported at test time.
    writer_factory = InfrastructureFactory.construct(event_store_env)
    follower_factory = InfrastructureFactory.construct(event_store_env)
    try:
        yield writer_factory, follower_factory
    finally:
        follower_factory.close()
        writer_factory.close()


def test_concurrent_appends_get_contiguous_ids_that_a_follower_sees_once_in_order(
    factories: tuple[InfrastructureFactory, InfrastructureFactory],
) -> None:
    writer_factory, follower_factory = factories
    recorder = writer_factory.application_recorder()
    follower_recorder = follower_factory.application_recorder()
    start = recorder.max_notification_id() or 0

    with follower_recorder.subscribe(gt=start) as subscription:
        follower = _Follower(subscription, expected=TOTAL_EVENTS)
        batches = _append_concurrently(recorder)
        followed = follower.result(timeout=FOLLOWER_DEADLINE)

    expected_ids = list(range(start + 1, start + TOTAL_EVENTS + 1))
    _assert_committed_ids_are_contiguous(batches, expected_ids)
    assert [n.id for n in followed] == expected_ids
    _assert_follower_saw_what_was_committed(followed, batches)
    stored = recorder.select_notifications(start=start, limit=TOTAL_EVENTS + 1, inclusive_of_start=False)
    assert [n.id for n in stored] == expected_ids, "the store holds other rows than were committed"


def _append_concurrently(recorder: ApplicationRecorder) -> list[Batch]:
    start_together = threading.Barrier(WRITERS)
    results: list[list[Batch]] = [[] for _ in range(WRITERS)]
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start_together.wait()
            results[writer] = _write_batches(recorder)
        except BaseException as error:  # reported by the test thread below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [batch for batches in results for batch in batches]


def _write_batches(recorder: ApplicationRecorder) -> list[Batch]:
    # Round-robin over this writer's aggregates, so that its appends to any one
    # aggregate are spread out among everyone else's.
    aggregate_ids = [uuid4() for _ in range(AGGREGATES_PER_WRITER)]
    batches = []
    for batch_number in range(BATCHES_PER_AGGREGATE):
        for aggregate_id in aggregate_ids:
            events = _batch(aggregate_id, first_version=1 + batch_number * EVENTS_PER_BATCH)
            notification_ids = recorder.insert_events(events)
            assert notification_ids is not None, "an application recorder must return the notification ids"
            batches.append((events, list(notification_ids)))
    return batches


def _batch(aggregate_id: UUID, first_version: int) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=aggregate_id,
            originator_version=version,
            topic="tests.concurrency:Appended",
            state=f'{{"version": {version}}}'.encode(),
        )
        for version in range(first_version, first_version + EVENTS_PER_BATCH)
    ]


def _assert_committed_ids_are_contiguous(batches: list[Batch], expected_ids: list[int]) -> None:
    for events, ids in batches:
        assert len(ids) == len(events)
        assert ids == list(range(ids[0], ids[0] + len(ids))), f"batch not contiguous: {ids}"
    all_ids = sorted(notification_id for _, ids in batches for notification_id in ids)
    assert all_ids == expected_ids, "ids handed to writers have gaps or duplicates"


def _assert_follower_saw_what_was_committed(followed: list[Notification], batches: list[Batch]) -> None:
    committed = {
        notification_id: (str(event.originator_id), event.originator_version)
        for events, ids in batches
        for event, notification_id in zip(events, ids, strict=True)
    }
    seen = {n.id: (str(n.originator_id), n.originator_version) for n in followed}
    assert seen == committed


class _Follower:
    """Reads a subscription on its own thread until it has the expected count."""

    def __init__(self, subscription: Subscription[ApplicationRecorder], expected: int) -> None:
        self._subscription = subscription
        self._expected = expected
        self._received: list[Notification] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            for notification in self._subscription:
                self._received.append(notification)
                if len(self._received) == self._expected:
                    return
        except BaseException as error:
            self._error = error

    def result(self, timeout: float) -> list[Notification]:
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._subscription.stop()  # unblocks the iteration
            self._thread.join()
            pytest.fail(f"follower saw {len(self._received)} of {self._expected} events in {timeout} s")
        if self._error is not None:
            raise self._error
        return self._received
