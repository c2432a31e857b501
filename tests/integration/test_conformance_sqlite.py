"""eventsourcing's own recorder test cases, run against adapters.eventstore.sqlite.

Every test gets a fresh file database in its own temporary directory (a file, not
:memory:, because WAL mode and sharing the file with other processes are what the
adapter is for). Recorders come from the factory built from the hubbub environment,
as the application builds them. The tests at the end cover what the adapter adds:
subscribe() woken by this process's commits and polling for other processes'.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from unittest import TestCase
from uuid import uuid4

from eventsourcing import sqlite as es_sqlite
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    StoredEvent,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.tests import persistence as conformance
from eventsourcing.utils import Environment

from hubbub.adapters.eventstore.sqlite import (
    DEFAULT_POLL_INTERVAL,
    SQLITE_POLL_INTERVAL,
    SQLiteApplicationRecorder,
    SQLiteFactory,
    SQLiteProcessRecorder,
)
from hubbub.adapters.eventstore.url import persistence_env
from tests.stray_threads import JoinsStrayThreads

# Generous bounds: these only catch a follower that is not woken, or never stops.
WAKE_UP_DEADLINE = 2.0
STOP_DEADLINE = 1.0


class FileDatabase(JoinsStrayThreads):
    """Mixin: a factory on a fresh SQLite file, closed and deleted after the test."""

    extra_env: dict[str, str] = {}

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        directory = TemporaryDirectory(prefix="hubbub-sqlite-")
        self.addCleanup(directory.cleanup)  # type: ignore[attr-defined]
        self.db_path = Path(directory.name) / "events.sqlite3"
        self.factory = self.construct_factory()
        self.join_stray_threads_before_cleanups()

    def construct_factory(self, **extra_env: str) -> SQLiteFactory:
        env = persistence_env(f"sqlite:///{self.db_path}") | self.extra_env | extra_env
        factory = InfrastructureFactory.construct(env)
        assert isinstance(factory, SQLiteFactory)
        self.addCleanup(factory.close)  # type: ignore[attr-defined]
        return factory


class TestAggregateRecorder(FileDatabase, conformance.AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        return self.factory.aggregate_recorder()


class TestApplicationRecorder(
    FileDatabase, conformance.ApplicationRecorderTestCase[SQLiteApplicationRecorder]
):
    def create_recorder(self) -> SQLiteApplicationRecorder:
        recorder = self.factory.application_recorder()
        assert isinstance(recorder, SQLiteApplicationRecorder)
        return recorder

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestTrackingRecorder(FileDatabase, conformance.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return self.factory.tracking_recorder()


class TestProcessRecorder(FileDatabase, conformance.ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()


class TestNonInterleavingNotificationIDs(FileDatabase, conformance.NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        return self.factory.application_recorder()


class SQLiteTrackingRecorderSubclass(es_sqlite.SQLiteTrackingRecorder):
    pass


class TestInfrastructureFactory(conformance.InfrastructureFactoryTestCase[SQLiteFactory]):
    def setUp(self) -> None:
        directory = TemporaryDirectory(prefix="hubbub-sqlite-")
        self.addCleanup(directory.cleanup)
        url = f"sqlite:///{Path(directory.name) / 'events.sqlite3'}"
        self.env = Environment("TestCase", persistence_env(url))
        super().setUp()

    def expected_factory_class(self) -> type[SQLiteFactory]:
        return SQLiteFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return es_sqlite.SQLiteAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return SQLiteApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return es_sqlite.SQLiteTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return SQLiteTrackingRecorderSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return SQLiteProcessRecorder

    def test_poll_interval_defaults_and_is_read_from_env(self) -> None:
        self.assertEqual(self.factory.poll_interval, DEFAULT_POLL_INTERVAL)
        self.env[SQLITE_POLL_INTERVAL] = "0.25"
        factory = InfrastructureFactory.construct(self.env)
        self.addCleanup(factory.close)
        assert isinstance(factory, SQLiteFactory)
        self.assertEqual(factory.application_recorder().poll_interval, 0.25)  # type: ignore[attr-defined]
        self.assertEqual(factory.process_recorder().poll_interval, 0.25)  # type: ignore[attr-defined]

    def test_invalid_poll_interval_is_refused(self) -> None:
        for invalid in ("soon", "0", "-1", "nan", "inf"):
            self.env[SQLITE_POLL_INTERVAL] = invalid
            with self.subTest(invalid), self.assertRaises(OSError):
                InfrastructureFactory.construct(self.env)


def stored_event(originator_id: Any, version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id=originator_id, originator_version=version, topic="topic", state=b"{}")


class TestLiveFollowing(FileDatabase, TestCase):
    """What the adapter adds to the library: subscriptions that wake and poll."""

    # Long enough that a follower only meets the deadlines if it is woken.
    extra_env = {SQLITE_POLL_INTERVAL: "30"}

    def test_commit_by_another_recorder_in_this_process_wakes_follower(self) -> None:
        follower = self.factory.application_recorder()
        writer = self.construct_factory().application_recorder()  # own datastore
        with follower.subscribe(gt=0) as subscription:
            started = time.monotonic()
            writer.insert_events([stored_event(uuid4())])
            notification = next(subscription)
        self.assertEqual(notification.id, 1)
        self.assertLess(time.monotonic() - started, WAKE_UP_DEADLINE)

    def test_commit_with_tracking_by_process_recorder_wakes_follower(self) -> None:
        follower = self.factory.application_recorder()
        process_recorder = self.factory.process_recorder()
        with follower.subscribe(gt=0) as subscription:
            started = time.monotonic()
            process_recorder.insert_events([stored_event(uuid4())], tracking=Tracking("upstream", 1))
            self.assertEqual(next(subscription).id, 1)
        self.assertLess(time.monotonic() - started, WAKE_UP_DEADLINE)

    def test_stop_ends_the_pull_thread_promptly(self) -> None:
        subscription = self.factory.application_recorder().subscribe(gt=0)
        time.sleep(0.05)  # let the thread reach its (30 s) wait
        started = time.monotonic()
        subscription.stop()
        subscription._pull_thread.join(timeout=STOP_DEADLINE)
        self.assertFalse(subscription._pull_thread.is_alive())
        self.assertLess(time.monotonic() - started, STOP_DEADLINE)

    def test_follower_polls_for_commits_by_another_process(self) -> None:
        follower = self.construct_factory(**{SQLITE_POLL_INTERVAL: "0.05"}).application_recorder()
        with follower.subscribe(gt=0) as subscription:
            (originator_ids,) = insert_from_other_processes(self.db_path, processes=1, batches=3)
            received = [next(subscription) for _ in originator_ids]
        self.assertEqual([n.id for n in received], [1, 2, 3])
        self.assertEqual([str(n.originator_id) for n in received], originator_ids)

    def test_commits_racing_in_other_processes_are_followed_gap_free_in_order(self) -> None:
        # The WAL argument in the adapter's docstring, tested across processes.
        follower = self.construct_factory(**{SQLITE_POLL_INTERVAL: "0.01"}).application_recorder()
        with follower.subscribe(gt=0) as subscription:
            written = insert_from_other_processes(self.db_path, processes=4, batches=50, batch_size=3)
            total = sum(len(ids) for ids in written)
            received = [next(subscription) for _ in range(total)]
        self.assertEqual([n.id for n in received], list(range(1, total + 1)))
        self.assertEqual(sorted(str(n.originator_id) for n in received), sorted(sum(written, [])))


_INSERTING_SCRIPT = """
import sys, uuid
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
recorder = SQLiteApplicationRecorder(SQLiteDatastore(sys.argv[1], lock_timeout=30))
recorder.create_table()
for _ in range(int(sys.argv[2])):
    batch = [StoredEvent(uuid.uuid4(), 1, "topic", b"{}") for _ in range(int(sys.argv[3]))]
    recorder.insert_events(batch)
    print(*(event.originator_id for event in batch))
"""


def insert_from_other_processes(
    db_path: Path, processes: int, batches: int, batch_size: int = 1
) -> list[list[str]]:
    """Insert events with the library's plain SQLite recorder, from child processes
    running at the same time. Returns each child's originator ids, in its order."""
    command = [sys.executable, "-c", _INSERTING_SCRIPT, str(db_path), str(batches), str(batch_size)]
    children = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    outputs = [child.communicate(timeout=60)[0] for child in children]
    assert all(child.returncode == 0 for child in children), "a writer process failed"
    return [output.split() for output in outputs]
