"""The MongoDB persistence module against a real replica set.

Runs only when MONGODB_URL names a replica set (transactions and change streams need
one); skips with that reason otherwise. Every test gets a fresh database, dropped after.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from threading import Thread
from time import monotonic
from typing import Any
from unittest import TestCase
from uuid import UUID, uuid4

import pytest
from bson.binary import Binary, UuidRepresentation
from bson.codec_options import CodecOptions
from bson.int64 import Int64
from eventsourcing.persistence import (
    IntegrityError,
    InternalError,
    Notification,
    OperationalError,
    ProgrammingError,
    StoredEvent,
    Tracking,
)
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
    TrackingRecorderTestCase,
)
from eventsourcing.utils import Environment
from pymongo.errors import OperationFailure

from hubbub.adapters.eventstore.mongodb import (
    MongoAggregateRecorder,
    MongoApplicationRecorder,
    MongoDatastore,
    MongoFactory,
    MongoProcessRecorder,
    MongoSubscription,
    MongoTrackingRecorder,
)
from tests.services import require_mongodb
from tests.stray_threads import join_threads_started_since

pytestmark = pytest.mark.mongodb


def fresh_database_name() -> str:
    return f"hubbub_test_{uuid4().hex[:8]}"


class FreshDatabase(TestCase):
    """Gives each test its own database on the replica set, and drops it afterwards."""

    def setUp(self) -> None:
        url = require_mongodb()
        self.threads_before_test = set(threading.enumerate())
        self.database_name = fresh_database_name()
        self.datastore = MongoDatastore(url, self.database_name)
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        join_threads_started_since(self.threads_before_test)
        self.datastore.client.drop_database(self.database_name)
        self.datastore.close()

    def application_recorder(self) -> MongoApplicationRecorder:
        recorder = MongoApplicationRecorder(self.datastore)
        recorder.create_table()
        return recorder


class TestMongoAggregateRecorder(FreshDatabase, AggregateRecorderTestCase):
    def create_recorder(self) -> MongoAggregateRecorder:
        recorder = MongoAggregateRecorder(self.datastore, events_collection_name="stored_snapshots")
        recorder.create_table()
        return recorder


class TestMongoApplicationRecorder(FreshDatabase, ApplicationRecorderTestCase[MongoApplicationRecorder]):
    def create_recorder(self) -> MongoApplicationRecorder:
        return self.application_recorder()

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestMongoTrackingRecorder(FreshDatabase, TrackingRecorderTestCase):
    def create_recorder(self) -> MongoTrackingRecorder:
        recorder = MongoTrackingRecorder(self.datastore)
        recorder.create_table()
        return recorder


class TestMongoProcessRecorder(FreshDatabase, ProcessRecorderTestCase):
    def create_recorder(self) -> MongoProcessRecorder:
        recorder = MongoProcessRecorder(self.datastore)
        recorder.create_table()
        return recorder


class TestMongoNonInterleavingNotificationIDs(FreshDatabase, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> MongoApplicationRecorder:
        return self.application_recorder()


class CustomTrackingRecorder(MongoTrackingRecorder):
    pass


class TestMongoFactory(InfrastructureFactoryTestCase[MongoFactory]):
    def setUp(self) -> None:
        self.database_name = fresh_database_name()
        self.env = Environment(
            "TestCase",
            {
                "PERSISTENCE_MODULE": "hubbub.adapters.eventstore.mongodb",
                "MONGODB_URL": require_mongodb(),
                "MONGODB_DATABASE": self.database_name,
            },
        )
        super().setUp()

    def tearDown(self) -> None:
        self.factory.datastore.client.drop_database(self.database_name)
        super().tearDown()

    def expected_factory_class(self) -> type[MongoFactory]:
        return MongoFactory

    def expected_aggregate_recorder_class(self) -> type[MongoAggregateRecorder]:
        return MongoAggregateRecorder

    def expected_application_recorder_class(self) -> type[MongoApplicationRecorder]:
        return MongoApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[MongoTrackingRecorder]:
        return MongoTrackingRecorder

    def tracking_recorder_subclass(self) -> type[MongoTrackingRecorder]:
        return CustomTrackingRecorder

    def expected_process_recorder_class(self) -> type[MongoProcessRecorder]:
        return MongoProcessRecorder

    def test_create_table_false_creates_nothing_and_true_creates_unique_index(self) -> None:
        self.env["CREATE_TABLE"] = "no"
        self.factory.aggregate_recorder("snapshots")
        database = self.factory.datastore.database
        self.assertNotIn("testcase_snapshots", database.list_collection_names())

        self.env["CREATE_TABLE"] = "yes"
        self.factory.aggregate_recorder("snapshots")
        indexes = database["testcase_snapshots"].index_information()
        unique_key = [("originator_id", 1), ("originator_version", 1)]
        self.assertTrue(any(i["key"] == unique_key and i.get("unique") for i in indexes.values()), indexes)


def event(originator_id: UUID | str, version: int, topic: str = "topic") -> StoredEvent:
    return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=b"{}")


class TestStorageFormat(FreshDatabase):
    def test_uuid_is_binary_subtype_4_and_state_is_binary(self) -> None:
        recorder = self.application_recorder()
        originator_id = uuid4()
        recorder.insert_events([event(originator_id, 1)])

        raw_options: CodecOptions[dict[str, Any]] = CodecOptions(uuid_representation=UuidRepresentation.UNSPECIFIED)
        raw = self.datastore.database.get_collection("stored_events", codec_options=raw_options).find_one()
        assert raw is not None
        self.assertIsInstance(raw["originator_id"], Binary)
        self.assertEqual(raw["originator_id"].subtype, 4)
        self.assertEqual(raw["_id"], 1)
        self.assertIsInstance(raw["state"], bytes)  # BSON binary subtype 0 decodes as bytes
        self.assertEqual(recorder.select_events(originator_id)[0].originator_id, originator_id)


class TestAbortedWritesLeaveNoGap(FreshDatabase):
    def test_duplicate_event_aborts_the_whole_batch_and_returns_its_ids(self) -> None:
        recorder = self.application_recorder()
        first = event(uuid4(), 1)
        self.assertEqual(recorder.insert_events([first]), [1])

        newcomer = event(uuid4(), 1)
        with self.assertRaises(IntegrityError):
            recorder.insert_events([newcomer, first])

        self.assertEqual(recorder.select_events(newcomer.originator_id), [])
        self.assertEqual(recorder.insert_events([newcomer]), [2])

    def test_stale_tracking_aborts_the_events_written_with_it(self) -> None:
        recorder = MongoProcessRecorder(self.datastore)
        recorder.create_table()
        recorder.insert_events([event(uuid4(), 1)], tracking=Tracking("upstream", 5))

        late = event(uuid4(), 1)
        with self.assertRaises(IntegrityError):
            recorder.insert_events([late], tracking=Tracking("upstream", 4))

        self.assertEqual(recorder.select_events(late.originator_id), [])
        self.assertEqual(recorder.max_tracking_id("upstream"), 5)
        self.assertEqual(recorder.insert_events([late], tracking=Tracking("upstream", 6)), [2])


class TestSubscriptionStop(FreshDatabase):
    def test_stop_closes_the_change_stream_and_ends_both_threads_promptly(self) -> None:
        recorder = self.application_recorder()
        subscription = recorder.subscribe(gt=None)
        assert isinstance(subscription, MongoSubscription)
        started = monotonic()
        with subscription:
            subscription.stop()
        self.assertLess(monotonic() - started, 2.0)
        self.assertFalse(subscription._watch_thread.is_alive())
        self.assertFalse(subscription._pull_thread.is_alive())
        self.assertFalse(subscription._change_stream.alive)


WRITERS = 8
AGGREGATES_PER_WRITER = 5
VERSIONS_PER_AGGREGATE = 8
TOTAL_EVENTS = WRITERS * AGGREGATES_PER_WRITER * VERSIONS_PER_AGGREGATE  # 320
DEADLINE_SECONDS = 120.0


class TestConcurrentAppends(FreshDatabase):
    """8 writers append to 40 aggregates while a subscriber and a poller read along."""

    def test_ids_are_contiguous_from_1_and_seen_in_order_exactly_once(self) -> None:
        recorder = self.application_recorder()
        errors: list[BaseException] = []
        followed: list[int] = []
        polled: list[int] = []

        with recorder.subscribe(gt=None) as subscription:
            follower = Thread(target=self._follow, args=(subscription, followed, errors))
            poller = Thread(target=self._poll, args=(recorder, polled, errors))
            follower.start()
            poller.start()
            try:
                with ThreadPoolExecutor(max_workers=WRITERS) as pool:
                    batches = [ids for ids_list in pool.map(self._write, [recorder] * WRITERS) for ids in ids_list]
                follower.join(timeout=DEADLINE_SECONDS)
                poller.join(timeout=DEADLINE_SECONDS)
            finally:
                subscription.stop()

        self.assertEqual(errors, [])
        expected = list(range(1, TOTAL_EVENTS + 1))
        for ids in batches:
            self.assertEqual(ids, list(range(ids[0], ids[0] + len(ids))), "a batch got non-consecutive ids")
        self.assertEqual(sorted(i for ids in batches for i in ids), expected)
        self.assertEqual(recorder.max_notification_id(), TOTAL_EVENTS)
        stored = recorder.select_notifications(start=None, limit=TOTAL_EVENTS + 10)
        self.assertEqual([n.id for n in stored], expected)
        self._assert_versions_ascend_per_aggregate(stored)
        self.assertEqual(followed, expected)
        self.assertEqual(polled, expected)

    @staticmethod
    def _write(recorder: MongoApplicationRecorder) -> list[list[int]]:
        """Append to this writer's aggregates, one or two events per call, interleaved."""
        aggregates = [uuid4() for _ in range(AGGREGATES_PER_WRITER)]
        batches: list[list[int]] = []
        version = 1
        while version <= VERSIONS_PER_AGGREGATE:
            size = 1 if version % 3 else 2
            size = min(size, VERSIONS_PER_AGGREGATE - version + 1)
            for originator_id in aggregates:
                ids = recorder.insert_events([event(originator_id, version + k) for k in range(size)])
                batches.append(list(ids or []))
            version += size
        return batches

    @staticmethod
    def _follow(subscription: Any, followed: list[int], errors: list[BaseException]) -> None:
        try:
            for notification in subscription:
                followed.append(notification.id)
                if len(followed) >= TOTAL_EVENTS:
                    break
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    @staticmethod
    def _poll(recorder: MongoApplicationRecorder, polled: list[int], errors: list[BaseException]) -> None:
        # If an id could become visible before a lower one, some batch read after
        # `last` would begin above last + 1.
        deadline = monotonic() + DEADLINE_SECONDS
        last = 0
        try:
            while last < TOTAL_EVENTS and monotonic() < deadline:
                batch = [n.id for n in recorder.select_notifications(start=last, limit=37, inclusive_of_start=False)]
                if batch != list(range(last + 1, last + 1 + len(batch))):
                    errors.append(AssertionError(f"after id {last} the log showed {batch[:5]}..."))
                    return
                polled.extend(batch)
                last = batch[-1] if batch else last
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    def _assert_versions_ascend_per_aggregate(self, notifications: list[Notification] | Any) -> None:
        last_version: dict[UUID | str, int] = {}
        for n in notifications:
            self.assertGreater(n.originator_version, last_version.get(n.originator_id, 0))
            last_version[n.originator_id] = n.originator_version


# --- issue 15: what only a real server can confirm -------------------------------------------


class TestTablesMadeElsewhere(FreshDatabase):
    """CREATE_TABLE=no: the recorder checks, before its first write, what correctness rests on."""

    def recorder(self, *, create_table: bool) -> MongoApplicationRecorder:
        recorder = MongoApplicationRecorder(self.datastore)
        if create_table:
            recorder.create_table()
            recorder.prepared()
        return recorder

    def test_without_the_unique_index_nothing_is_written(self) -> None:
        recorder = self.recorder(create_table=False)
        with self.assertRaises(ProgrammingError):
            recorder.insert_events([event(uuid4(), 1)])
        self.assertEqual(self.datastore.collection("stored_events").count_documents({}), 0)

    def test_with_the_index_made_elsewhere_it_writes(self) -> None:
        self.recorder(create_table=True)
        self.assertEqual(self.recorder(create_table=False).insert_events([event(uuid4(), 1)]), [1])

    def test_events_restored_without_their_counter_continue_after_the_largest_id(self) -> None:
        recorder = self.recorder(create_table=True)
        recorder.insert_events([event(uuid4(), 1), event(uuid4(), 1), event(uuid4(), 1)])
        self.datastore.database.drop_collection("notification_counters")
        self.assertEqual(self.recorder(create_table=False).insert_events([event(uuid4(), 1)]), [4])
        self.datastore.database.drop_collection("notification_counters")
        self.assertEqual(self.recorder(create_table=True).insert_events([event(uuid4(), 1)]), [5])

    def test_a_counter_behind_the_events_is_an_internal_error_then_repaired(self) -> None:
        recorder = self.recorder(create_table=True)
        recorder.insert_events([event(uuid4(), 1), event(uuid4(), 1), event(uuid4(), 1)])
        self.datastore.collection("notification_counters").update_one({}, {"$set": {"last_id": Int64(1)}})
        with self.assertRaises(InternalError) as raised:
            recorder.insert_events([event(uuid4(), 1)])
        self.assertNotIsInstance(raised.exception, IntegrityError)
        self.assertEqual(recorder.insert_events([event(uuid4(), 1)]), [4])


class TestLimits(FreshDatabase):
    def test_a_limit_of_zero_or_less_selects_nothing(self) -> None:
        recorder = self.application_recorder()
        originator_id = uuid4()
        recorder.insert_events([event(originator_id, 1), event(originator_id, 2)])
        for limit in (0, -1):
            self.assertEqual(recorder.select_notifications(None, limit), [])
            self.assertEqual(recorder.select_events(originator_id, limit=limit), [])


class TestCausalClock(FreshDatabase):
    def test_a_losing_writer_has_seen_the_winners_commit(self) -> None:
        winner = self.application_recorder()
        loser_store = MongoDatastore(require_mongodb(), self.database_name)
        self.addCleanup(loser_store.close)
        loser = MongoApplicationRecorder(loser_store)
        loser.prepared()
        taken = event(uuid4(), 1)
        winner.insert_events([taken])
        with self.assertRaises(IntegrityError):
            loser.insert_events([taken])
        # Observed in the failing session's `finally`: the retry reads after the winner's commit.
        winner_time = self.datastore.clock._operation_time
        self.assertIsNotNone(loser_store.clock._cluster_time)
        self.assertGreaterEqual(loser_store.clock._cluster_time["clusterTime"], winner_time)


class TestTimeouts(FreshDatabase):
    def test_a_commit_that_cannot_complete_in_time_is_an_operational_error(self) -> None:
        app_name = f"hubbub-timeout-{uuid4().hex[:6]}"
        slow = MongoDatastore(require_mongodb(), self.database_name, 0.5, appname=app_name)
        self.addCleanup(slow.close)
        recorder = MongoApplicationRecorder(slow)
        recorder.create_table()
        recorder.prepared()
        with fail_point(self.datastore, {"failCommands": ["commitTransaction"], "blockConnection": True,
                                         "blockTimeMS": 3000, "appName": app_name}):
            started = monotonic()
            with self.assertRaises(OperationalError):
                recorder.insert_events([event(uuid4(), 1)])
            self.assertLess(monotonic() - started, 2.5)


@contextmanager
def fail_point(datastore: MongoDatastore, data: dict[str, Any]) -> Iterator[None]:
    """MongoDB's failCommand fail point (needs the server's enableTestCommands)."""
    admin = datastore.client.admin
    try:
        admin.command("configureFailPoint", "failCommand", mode="alwaysOn", data=data)
    except OperationFailure as error:
        pytest.skip(f"fail points need a server started with enableTestCommands=1 ({error})")
    try:
        yield
    finally:
        admin.command("configureFailPoint", "failCommand", mode="off")
