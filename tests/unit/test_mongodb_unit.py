"""What the MongoDB persistence module does without a server.

Recorders are NOT tested here: mongomock has no sessions, transactions or change
streams, so every guarantee about writes lives in tests/integration. These tests cover
configuration, the error vocabulary, the BSON shape of documents, the query filters
(evaluated by mongomock's find, which implements $gt/$gte/$lte/$in, sort and limit),
and the subscription's thread handling against a stand-in change stream.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from collections import deque
from pathlib import Path
from threading import Event
from typing import Any
from uuid import uuid4

import bson
import mongomock
import pytest
from bson.binary import Binary, UuidRepresentation
from bson.codec_options import CodecOptions
from bson.errors import InvalidDocument
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    InfrastructureFactory,
    IntegrityError,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.utils import Environment, get_topic
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    ConfigurationError,
    DuplicateKeyError,
    InvalidOperation,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from hubbub.adapters.eventstore.mongodb import (
    MongoAggregateRecorder,
    MongoApplicationRecorder,
    MongoFactory,
    MongoSubscription,
    MongoTrackingRecorder,
)
from hubbub.adapters.eventstore.mongodb.documents import (
    event_document,
    events_query,
    notification,
    notification_document,
    notifications_query,
    stored_event,
)
from hubbub.adapters.eventstore.mongodb.errors import translate
from hubbub.adapters.eventstore.mongodb.subscription import MAX_AWAIT_MS, wake_up_pipeline
from tests.polling import wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE = "hubbub.adapters.eventstore.mongodb"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def factory(**env: str) -> MongoFactory:
    values = {"PERSISTENCE_MODULE": MODULE, "MONGODB_URL": "mongodb://127.0.0.1:1/hubbub", "CREATE_TABLE": "no"}
    values.update(env)
    name = values.pop("name", "")
    constructed = InfrastructureFactory.construct(Environment(name, values))
    assert isinstance(constructed, MongoFactory)
    return constructed


# --- construction -------------------------------------------------------------------


def test_construct_finds_exactly_the_mongo_factory_in_the_module() -> None:
    # construct() raises unless the module namespace holds exactly one factory class.
    assert type(factory()) is MongoFactory


def test_importing_constructing_and_making_recorders_opens_no_connection() -> None:
    script = textwrap.dedent(
        f"""
        import socket, time
        attempts = []
        real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo
        socket.socket.connect = lambda s, a: attempts.append(a) or real_connect(s, a)
        socket.getaddrinfo = lambda *a, **k: attempts.append(a[:2]) or real_getaddrinfo(*a, **k)
        from eventsourcing.persistence import InfrastructureFactory
        import {MODULE}
        f = InfrastructureFactory.construct({{
            "PERSISTENCE_MODULE": "{MODULE}", "MONGODB_URL": "mongodb://127.0.0.1:{closed_port()}/db",
            "CREATE_TABLE": "no"}})
        f.aggregate_recorder("snapshots"); f.application_recorder()
        f.tracking_recorder(); f.process_recorder()
        time.sleep(0.5)  # a connecting client's monitor thread would have dialled by now
        f.close()
        print(attempts)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_malformed_url_is_an_interface_error() -> None:
    with pytest.raises(InterfaceError):
        factory(MONGODB_URL="http://127.0.0.1/db")


def test_missing_url_is_an_environment_error() -> None:
    with pytest.raises(OSError, match="MONGODB_URL"):
        factory(MONGODB_URL="")


def test_database_defaults_to_the_url_path_and_the_env_overrides_it() -> None:
    assert factory().datastore.database.name == "hubbub"
    assert factory(MONGODB_DATABASE="other").datastore.database.name == "other"
    assert factory(MONGODB_URL="mongodb://h1:1,h2:2/chat?replicaSet=rs").datastore.database.name == "chat"


def test_no_database_anywhere_is_an_environment_error() -> None:
    with pytest.raises(OSError, match="MONGODB_DATABASE"):
        factory(MONGODB_URL="mongodb://127.0.0.1:1/?replicaSet=rs")


def test_client_reads_uuids_as_standard_whatever_the_url_says() -> None:
    f = factory(MONGODB_URL="mongodb://127.0.0.1:1/db?uuidRepresentation=pythonLegacy")
    assert f.datastore.client.codec_options.uuid_representation == UuidRepresentation.STANDARD


def test_database_uses_majority_concerns_whatever_the_url_says() -> None:
    database = factory(MONGODB_URL="mongodb://127.0.0.1:1/db?w=1&readConcernLevel=local").datastore.database
    assert database.write_concern.document == {"w": "majority"}
    assert database.read_concern.level == "majority"


def test_collection_names_follow_purpose_and_application_name() -> None:
    f = factory()
    assert f.aggregate_recorder("snapshots").events_collection_name == "stored_snapshots"  # type: ignore[attr-defined]
    assert f.application_recorder().events_collection_name == "stored_events"  # type: ignore[attr-defined]
    assert f.tracking_recorder().tracking_collection_name == "notification_tracking"
    named = factory(name="Chat")
    assert named.application_recorder().events_collection_name == "chat_events"  # type: ignore[attr-defined]
    assert named.tracking_recorder().tracking_collection_name == "chat_tracking"


def test_recorder_classes_can_be_chosen_by_argument_and_by_topic() -> None:
    class Custom(MongoTrackingRecorder):
        pass

    assert type(factory().tracking_recorder(Custom)) is Custom
    assert type(factory().aggregate_recorder()) is MongoAggregateRecorder
    with pytest.raises(TypeError):
        factory(APPLICATION_RECORDER_TOPIC=get_topic(MongoAggregateRecorder)).application_recorder()


def test_creating_tables_without_a_server_raises_operational_error() -> None:
    url = f"mongodb://127.0.0.1:{closed_port()}/db?serverSelectionTimeoutMS=100"
    f = factory(MONGODB_URL=url, CREATE_TABLE="yes")
    with pytest.raises(OperationalError):
        f.application_recorder()
    f.close()


def test_close_closes_the_client() -> None:
    f = factory(CREATE_TABLE="yes")
    f.close()
    with pytest.raises(InterfaceError):  # pymongo: "Cannot use MongoClient after close"
        f.application_recorder()


# --- error vocabulary ---------------------------------------------------------------


def labelled(code: int, label: str) -> OperationFailure:
    return OperationFailure("failed", code, {"code": code, "errorLabels": [label]})


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DuplicateKeyError("E11000", 11000), IntegrityError),
        (BulkWriteError({"writeErrors": [{"index": 1, "code": 11000, "errmsg": "E11000"}]}), IntegrityError),
        (labelled(112, "TransientTransactionError"), OperationalError),
        (labelled(50, "UnknownTransactionCommitResult"), OperationalError),
        (AutoReconnect("connection reset"), OperationalError),
        (ServerSelectionTimeoutError("no primary"), OperationalError),
        (OperationFailure("Transaction numbers are only allowed on a replica set member", 20), NotSupportedError),
        (OperationFailure("$changeStream is only supported on replica sets", 40573), NotSupportedError),
        (OperationFailure("not authorized", 13), ProgrammingError),
        (OperationFailure("something else", 2), DatabaseError),
        (ConfigurationError("bad option"), InterfaceError),
        (InvalidOperation("Cannot use MongoClient after close"), InterfaceError),
        (InvalidDocument("cannot encode object"), DataError),
    ],
)
def test_translate(error: Exception, expected: type[Exception]) -> None:
    assert type(translate(error)) is expected  # type: ignore[arg-type]


def test_a_bulk_write_error_without_a_duplicate_is_not_an_integrity_error() -> None:
    error = BulkWriteError({"writeErrors": [{"index": 0, "code": 121, "errmsg": "validation"}]})
    assert type(translate(error)) is DatabaseError


# --- documents and queries ----------------------------------------------------------

STANDARD: CodecOptions[dict[str, Any]] = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
UNSPECIFIED: CodecOptions[dict[str, Any]] = CodecOptions(uuid_representation=UuidRepresentation.UNSPECIFIED)


def test_documents_round_trip_through_bson_with_uuid_subtype_4_and_binary_state() -> None:
    original = StoredEvent(originator_id=uuid4(), originator_version=3, topic="t", state=b"\x00\xff")
    encoded = bson.encode(notification_document(original, 7), codec_options=STANDARD)

    raw = bson.decode(encoded, codec_options=UNSPECIFIED)
    assert isinstance(raw["originator_id"], Binary) and raw["originator_id"].subtype == 4
    assert isinstance(raw["state"], bytes)

    decoded = bson.decode(encoded, codec_options=STANDARD)
    assert stored_event(decoded) == original
    assert notification(decoded).id == 7


def test_string_originator_ids_stay_strings() -> None:
    original = StoredEvent(originator_id="chat-1", originator_version=1, topic="t", state=b"{}")
    decoded = bson.decode(bson.encode(event_document(original), codec_options=STANDARD), codec_options=STANDARD)
    assert stored_event(decoded) == original


@pytest.fixture
def log() -> Any:
    collection: Any = mongomock.MongoClient().db.events
    topics = ["a", "b", "c", "a", "b"]
    collection.insert_many(
        [notification_document(StoredEvent("x", i, topic, b"{}"), i) for i, topic in enumerate(topics, start=1)]
    )
    return collection


def find_ids(collection: Any, query: Any, key: str = "_id") -> list[int]:
    return [d[key] for d in collection.find(query.filter, query.projection, sort=query.sort, limit=query.limit)]


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((None, 10), {}, [1, 2, 3, 4, 5]),
        ((2, 2), {}, [2, 3]),
        ((2, 10), {"inclusive_of_start": False}, [3, 4, 5]),
        ((None, 10, 2), {}, [1, 2]),
        ((1, 10, 2), {"inclusive_of_start": False}, [2]),
        ((1, 10, None, ["a", "c"]), {}, [1, 3, 4]),
        ((3, 1), {"inclusive_of_start": False}, [4]),
        ((5, 1), {"inclusive_of_start": False}, []),
    ],
)
def test_notifications_query_selects(
    log: Any, args: tuple[Any, ...], kwargs: dict[str, Any], expected: list[int]
) -> None:
    assert find_ids(log, notifications_query(*args, **kwargs)) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, [1, 2, 3, 4, 5]),
        ({"gt": 1, "lte": 3}, [2, 3]),
        ({"desc": True, "limit": 1}, [5]),
        ({"lte": 2, "desc": True, "limit": 1}, [2]),
        ({"limit": None}, [1, 2, 3, 4, 5]),
    ],
)
def test_events_query_selects(log: Any, kwargs: dict[str, Any], expected: list[int]) -> None:
    assert find_ids(log, events_query("x", **kwargs), key="originator_version") == expected


def test_events_query_leaves_other_aggregates_out(log: Any) -> None:
    assert find_ids(log, events_query("y"), key="originator_version") == []


def test_wake_up_pipeline_passes_inserts_of_the_topics_and_keeps_the_resume_token() -> None:
    changes: Any = mongomock.MongoClient().db.changes
    changes.insert_many(
        [
            {"_id": "t1", "operationType": "insert", "documentKey": {"_id": 1}, "fullDocument": {"topic": "a"}},
            {"_id": "t2", "operationType": "insert", "documentKey": {"_id": 2}, "fullDocument": {"topic": "b"}},
            {"_id": "t3", "operationType": "update", "documentKey": {"_id": 1}},
        ]
    )
    assert list(changes.aggregate(wake_up_pipeline(["a"]))) == [{"_id": "t1", "documentKey": {"_id": 1}}]
    assert [c["_id"] for c in changes.aggregate(wake_up_pipeline([]))] == ["t1", "t2"]


# --- subscription threads, against a stand-in change stream -------------------------


class FakeChangeStream:
    """Behaves like pymongo's ChangeStream.try_next(): waits up to max_await for a change."""

    def __init__(self) -> None:
        self.changes: deque[dict[str, Any]] = deque()
        self.alive = True
        self.closed = Event()

    def try_next(self) -> dict[str, Any] | None:
        deadline = time.monotonic() + MAX_AWAIT_MS / 1000
        while not self.changes and time.monotonic() < deadline and self.alive:
            time.sleep(0.005)
        return self.changes.popleft() if self.changes else None

    def close(self) -> None:
        self.alive = False
        self.closed.set()

    def __enter__(self) -> FakeChangeStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeRecorder(MongoApplicationRecorder):
    """Counts pulls; never touches a database."""

    def __init__(self) -> None:
        self.stream = FakeChangeStream()
        self.pulls = 0

    def watch_inserts(self, topics: Any, max_await_time_ms: int) -> Any:
        return self.stream

    def select_notifications(self, *args: Any, **kwargs: Any) -> list[Any]:
        self.pulls += 1
        return []


def test_stop_closes_the_change_stream_and_ends_threads_promptly() -> None:
    recorder = FakeRecorder()
    subscription = MongoSubscription(recorder)
    started = time.monotonic()
    with subscription:
        subscription.stop()
    assert time.monotonic() - started < 1.0
    assert recorder.stream.closed.is_set()
    assert not subscription._watch_thread.is_alive()
    assert not subscription._pull_thread.is_alive()


def test_a_change_wakes_the_puller() -> None:
    recorder = FakeRecorder()
    with MongoSubscription(recorder) as subscription:
        wait_until(lambda: recorder.pulls >= 1)
        pulls_before = recorder.pulls
        recorder.stream.changes.append({"_id": "token", "documentKey": {"_id": 1}})
        wait_until(lambda: recorder.pulls > pulls_before, timeout=0.5)
        subscription.stop()


def test_a_dead_change_stream_ends_the_iteration_with_operational_error() -> None:
    recorder = FakeRecorder()
    with MongoSubscription(recorder) as subscription:
        recorder.stream.alive = False
        with pytest.raises(OperationalError):
            for _ in subscription:
                pass
