"""What the MongoDB recorders send and how they read the replies, without a server (issue 15).

The recorders run here against scripted collections: each call is recorded and answered with a
scripted value or a server error built from the reply document MongoDB sends (duplicate keys
carry `keyPattern`, `keyValue` and an `errmsg` naming the index since MongoDB 4.4). The
datastore runs on a real pymongo client that never reaches a server: pymongo's own
with_transaction loop and session bookkeeping are exercised as they are. What only a server can
confirm (that MongoDB replies as scripted) is in tests/integration/test_mongodb_event_store.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from bson.int64 import Int64
from bson.son import SON
from bson.timestamp import Timestamp
from eventsourcing.persistence import (
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from pymongo.errors import (
    BulkWriteError,
    DuplicateKeyError,
    ExecutionTimeout,
    NetworkTimeout,
    OperationFailure,
    WTimeoutError,
)

from hubbub.adapters.eventstore.mongodb.datastore import MongoDatastore
from hubbub.adapters.eventstore.mongodb.errors import translate
from hubbub.adapters.eventstore.mongodb.recorders import (
    COUNTERS_COLLECTION,
    MongoAggregateRecorder,
    MongoApplicationRecorder,
)

UNREACHABLE = "mongodb://127.0.0.1:1/db?serverSelectionTimeoutMS=200"
AGGREGATE_INDEX = {"v": 2, "key": SON([("originator_id", 1), ("originator_version", 1)]), "unique": True,
                   "name": "originator_id_version_unique"}
ID_INDEX = {"v": 2, "key": SON([("_id", 1)]), "name": "_id_"}


def duplicate_reply(index: str, key_pattern: dict[str, int], key_value: dict[str, Any]) -> dict[str, Any]:
    """A writeErrors entry as MongoDB 4.4+ sends it for a duplicate key."""
    keys = ", ".join(f"{k}: {v!r}" for k, v in key_value.items())
    return {"index": 0, "code": 11000, "keyPattern": key_pattern, "keyValue": key_value,
            "errmsg": f"E11000 duplicate key error collection: db.stored_events index: {index} dup key: {{ {keys} }}"}


class Scripted:
    """A collection stand-in: records every call; answers from `replies` (a value, an
    exception to raise, or a callable of the call's arguments)."""

    def __init__(self, **replies: Any) -> None:
        self.replies = replies
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((method, args, kwargs))
            reply = self.replies.get(method)
            if isinstance(reply, BaseException):
                raise reply
            return reply(*args, **kwargs) if callable(reply) else reply

        return call

    def called(self, method: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for name, args, kwargs in self.calls if name == method]


class ScriptedDatastore:
    def __init__(self, **collections: Scripted) -> None:
        self.collections = collections
        self.transactions = 0

    def collection(self, name: str) -> Scripted:
        return self.collections.setdefault(name, Scripted())

    @contextmanager
    def session(self) -> Iterator[str]:
        yield "session"

    def transaction(self, body: Callable[[str], Any]) -> Any:
        self.transactions += 1
        return body("session")


def event(version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id="chat-1", originator_version=version, topic="t", state=b"{}")


def application(events: Scripted, counters: Scripted) -> tuple[MongoApplicationRecorder, ScriptedDatastore]:
    datastore = ScriptedDatastore(stored_events=events, **{COUNTERS_COLLECTION: counters})
    return MongoApplicationRecorder(datastore), datastore  # type: ignore[arg-type]


# --- CREATE_TABLE=no: the unique (originator_id, originator_version) index ---------------


def test_without_the_unique_index_the_first_write_is_refused_and_nothing_is_written() -> None:
    events = Scripted(list_indexes=[ID_INDEX, {**AGGREGATE_INDEX, "unique": False}])
    recorder = MongoAggregateRecorder(ScriptedDatastore(stored_events=events))  # type: ignore[arg-type]
    with pytest.raises(ProgrammingError, match="unique index"):
        recorder.insert_events([event()])
    assert events.called("insert_many") == []


def test_with_the_unique_index_it_is_checked_once_then_written() -> None:
    # An index made in mongosh has double keys (1.0): the same key pattern.
    shell_made = {**AGGREGATE_INDEX, "key": SON([("originator_id", 1.0), ("originator_version", 1.0)])}
    events = Scripted(list_indexes=[ID_INDEX, shell_made])
    recorder = MongoAggregateRecorder(ScriptedDatastore(stored_events=events))  # type: ignore[arg-type]
    recorder.insert_events([event(1)])
    recorder.insert_events([event(2)])
    assert len(events.called("list_indexes")) == 1 and len(events.called("insert_many")) == 2


def test_recorders_whose_tables_were_created_skip_the_check() -> None:
    events = Scripted(list_indexes=[])
    recorder = MongoAggregateRecorder(ScriptedDatastore(stored_events=events))  # type: ignore[arg-type]
    recorder.prepared()
    recorder.insert_events([event()])
    assert events.called("list_indexes") == [] and len(events.called("insert_many")) == 1


# --- the counter: seeded from the stored events, never from 0 ------------------------------


def counter_after(count: int, last: int = 41) -> Callable[..., dict[str, Any]]:
    return lambda *args, **kwargs: {"_id": "stored_events", "last_id": Int64(last + count)}


def test_the_counter_is_seeded_from_the_largest_stored_id_with_max() -> None:
    events = Scripted(list_indexes=[AGGREGATE_INDEX], find=[{"_id": 41}])
    counters = Scripted(find_one_and_update=counter_after(2))
    recorder, _ = application(events, counters)
    assert recorder.insert_events([event(1), event(2)]) == [42, 43]
    (seed_filter, seed_update), seed_options = counters.called("update_one")[0]
    assert seed_filter == {"_id": "stored_events"} and seed_update == {"$max": {"last_id": Int64(41)}}
    assert seed_options["upsert"] is True
    (find_filter, *_), find_options = events.called("find")[0]
    assert find_filter == {} and find_options["sort"] == [("_id", -1)] and find_options["limit"] == 1


def test_an_empty_log_seeds_zero_and_the_transaction_never_upserts_the_counter() -> None:
    events = Scripted(list_indexes=[AGGREGATE_INDEX], find=[])
    counters = Scripted(find_one_and_update=counter_after(1, last=0))
    recorder, _ = application(events, counters)
    assert recorder.insert_events([event()]) == [1]
    assert counters.called("update_one")[0][0][1] == {"$max": {"last_id": Int64(0)}}
    assert "upsert" not in counters.called("find_one_and_update")[0][1]


def test_a_missing_counter_is_an_internal_error_and_the_next_write_reseeds_it() -> None:
    events = Scripted(list_indexes=[AGGREGATE_INDEX], find=[{"_id": 41}])
    counters = Scripted(find_one_and_update=None)
    recorder, _ = application(events, counters)
    with pytest.raises(InternalError, match="missing"):
        recorder.insert_events([event()])
    counters.replies["find_one_and_update"] = counter_after(1)
    assert recorder.insert_events([event()]) == [42]
    assert len(counters.called("update_one")) == 2  # seeded before each of the two writes


def test_a_duplicate_notification_id_is_an_internal_error_not_a_concurrency_conflict() -> None:
    reply = {"writeErrors": [duplicate_reply("_id_", {"_id": 1}, {"_id": 42})], "nInserted": 0}
    events = Scripted(list_indexes=[AGGREGATE_INDEX], find=[{"_id": 50}], insert_many=BulkWriteError(reply))
    counters = Scripted(find_one_and_update=counter_after(1))
    recorder, _ = application(events, counters)
    with pytest.raises(InternalError) as raised:
        recorder.insert_events([event()])
    assert not isinstance(raised.value, IntegrityError)
    events.replies["insert_many"] = None
    recorder.insert_events([event()])
    assert [c[0][1] for c in counters.called("update_one")] == [{"$max": {"last_id": Int64(50)}}] * 2


def test_an_older_server_naming_the_id_index_only_in_its_message_is_read_the_same() -> None:
    entry = duplicate_reply("_id_", {"_id": 1}, {"_id": 42})
    del entry["keyPattern"], entry["keyValue"]
    events = Scripted(list_indexes=[AGGREGATE_INDEX], find=[], insert_many=BulkWriteError({"writeErrors": [entry]}))
    recorder, _ = application(events, Scripted(find_one_and_update=counter_after(1)))
    with pytest.raises(InternalError):
        recorder.insert_events([event()])


def test_a_duplicate_version_is_still_an_integrity_error() -> None:
    entry = duplicate_reply("originator_id_version_unique", {"originator_id": 1, "originator_version": 1},
                            {"originator_id": "chat-1", "originator_version": 1})
    events = Scripted(list_indexes=[AGGREGATE_INDEX], find=[], insert_many=BulkWriteError({"writeErrors": [entry]}))
    recorder, _ = application(events, Scripted(find_one_and_update=counter_after(1)))
    with pytest.raises(IntegrityError):
        recorder.insert_events([event()])


# --- limit <= 0 means no rows, as in SQL ------------------------------------------------------


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_of_zero_or_less_selects_nothing_and_asks_nothing(limit: int) -> None:
    events = Scripted(find=[{"_id": 1}])
    recorder, _ = application(events, Scripted())
    assert recorder.select_notifications(None, limit) == []
    assert recorder.select_events("chat-1", limit=limit) == []
    assert events.called("find") == []


# --- timeouts ---------------------------------------------------------------------------------


def test_the_client_carries_the_timeout_and_a_transaction_gives_up_once_it_has_passed() -> None:
    datastore = MongoDatastore(UNREACHABLE, "db", timeout_s=0.3)
    assert datastore.client.options.timeout == 0.3
    attempts = []

    def conflicting(session: Any) -> None:
        attempts.append(time.monotonic())
        raise OperationFailure("WriteConflict", 112, {"code": 112, "errorLabels": ["TransientTransactionError"]})

    started = time.monotonic()
    with pytest.raises(ExecutionTimeout) as raised:  # pymongo's own with_transaction loop, no server needed
        datastore.transaction(conflicting)
    assert time.monotonic() - started < 5  # not pymongo's 120 s retry limit
    assert len(attempts) > 1 and type(translate(raised.value)) is OperationalError
    datastore.close()


@pytest.mark.parametrize(
    "error",
    [
        ExecutionTimeout("operation exceeded time limit", 50, {"code": 50}),
        NetworkTimeout("timed out"),
        WTimeoutError("waiting for replication timed out", 64, {"code": 64, "errInfo": {"wtimeout": True}}),
        OperationFailure("operation exceeded time limit", 50, {"code": 50}),
        BulkWriteError({"writeErrors": [], "writeConcernErrors": [{"code": 50, "errmsg": "timeout"}]}),
    ],
)
def test_every_kind_of_timeout_is_an_operational_error(error: Exception) -> None:
    assert type(translate(error)) is OperationalError  # type: ignore[arg-type]


# --- the causal clock advances even when the transaction body fails ---------------------------


def test_the_cluster_time_a_failed_body_saw_is_kept_for_the_retry() -> None:
    datastore = MongoDatastore(UNREACHABLE, "db", timeout_s=1.0)
    seen = {"clusterTime": Timestamp(1_700_000_000, 7), "signature": {"hash": b"\0" * 20, "keyId": 0}}

    def body(session: Any) -> None:
        # As pymongo does with every reply, error replies included (command_runner processes
        # $clusterTime before checking the reply for an error).
        session.advance_cluster_time(seen)
        session.advance_operation_time(Timestamp(1_700_000_000, 7))
        raise DuplicateKeyError("E11000 duplicate key error", 11000)

    with pytest.raises(DuplicateKeyError), datastore.session() as session:
        body(session)
    with datastore.session() as later:
        assert later.cluster_time == seen and later.operation_time == Timestamp(1_700_000_000, 7)
    datastore.close()
