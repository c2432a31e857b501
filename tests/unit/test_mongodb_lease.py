"""The MongoDB background lease against a scripted collection: the exact update a beat sends
(filter on _id only, the decision in an update pipeline, the document after the update, upsert),
how the answer is read, w:majority, and the consumers' positions moving by compare-and-set.
What MongoDB does with these (upsert on _id, pipeline updates, $$NOW) is tested only against a
real server, in tests/integration/test_background_lease_mongodb.py."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hubbub.adapters.readstore.mongodb_lease import LEASE_ID, LEASES, POSITIONS, MongoBackground, beat_update
from hubbub.projections.runtime.status import ConsumerStatus
from hubbub.projections.store import PositionConflict

STATUSES = [ConsumerStatus("rooms", 1, 7, 9, "retrying", "OperationalError: $where is refused")]
TAKE = {"$or": [{"$eq": [{"$type": "$owner"}, "missing"]},
                {"$eq": ["$owner", {"$literal": "me:1:aa"}]},
                {"$lte": ["$expires_at", "$$NOW"]}]}


class ScriptedCollection:
    """Records what is sent and answers with what the test queued (a document, or an exception)."""

    def __init__(self, name, write_concern):
        self.name, self.write_concern = name, write_concern
        self.calls, self.answers = [], []

    def _answer(self):
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        return answer

    def find_one_and_update(self, filter, update, **options):
        self.calls.append(("find_one_and_update", filter, update, options))
        return self._answer()

    def update_one(self, filter, update, **options):
        self.calls.append(("update_one", filter, update, options))
        return self._answer()

    def delete_one(self, filter):
        self.calls.append(("delete_one", filter))

    def find_one(self, filter):
        self.calls.append(("find_one", filter))
        return self._answer()

    def aggregate(self, pipeline):
        self.calls.append(("aggregate", pipeline))
        return iter(self._answer() or [])


class ScriptedDatabase:
    def __init__(self):
        self.collections = {}

    def get_collection(self, name, write_concern=None):
        return self.collections.setdefault(name, ScriptedCollection(name, write_concern))


@pytest.fixture
def db():
    return ScriptedDatabase()


def test_a_beat_filters_on_id_only_and_decides_in_an_update_pipeline(db):
    background = MongoBackground(db, ttl_s=30)
    leases = db.collections[LEASES]
    leases.answers.append({"_id": LEASE_ID, "owner": "me:1:aa"})
    assert background.beat("me:1:aa", STATUSES) is True
    (verb, filter, update, options), = leases.calls
    assert verb == "find_one_and_update" and filter == {"_id": LEASE_ID}
    assert options == {"upsert": True, "return_document": ReturnDocument.AFTER}
    assert update == [{"$set": {
        "owner": {"$cond": [TAKE, {"$literal": "me:1:aa"}, "$owner"]},
        "heartbeat_at": {"$cond": [TAKE, "$$NOW", "$heartbeat_at"]},
        "expires_at": {"$cond": [TAKE, {"$add": ["$$NOW", 30_000]}, "$expires_at"]},
        "consumers": {"$cond": [TAKE, {"$literal": [{"name": "rooms", "version": 1, "position": 7, "head": 9,
                                                     "state": "retrying",
                                                     "error": "OperationalError: $where is refused"}]},
                                "$consumers"]},
    }}]
    assert update == beat_update("me:1:aa", 30, STATUSES)
    assert "$expr" not in str(filter)  # refused by MongoDB in an upsert's query (error 224)


def test_acquired_iff_the_returned_owner_is_this_one(db):
    background = MongoBackground(db)
    leases = db.collections[LEASES]
    leases.answers.extend([{"_id": LEASE_ID, "owner": "other:2:bb"}, DuplicateKeyError("E11000"), None])
    assert background.beat("me:1:aa", []) is False  # kept: another's live lease
    assert background.beat("me:1:aa", []) is False  # raced another first beat's insert, and lost
    assert background.beat("me:1:aa", []) is False  # no document after the update: not ours


def test_writes_wait_for_a_majority(db):
    MongoBackground(db)
    assert db.collections[LEASES].write_concern.document == {"w": "majority"}
    assert db.collections[POSITIONS].write_concern.document == {"w": "majority"}


def test_release_deletes_only_this_owners_lease(db):
    MongoBackground(db).release("me:1:aa")
    assert db.collections[LEASES].calls == [("delete_one", {"_id": LEASE_ID, "owner": "me:1:aa"})]


def test_the_record_is_judged_by_the_servers_clock(db):
    background = MongoBackground(db)
    leases = db.collections[LEASES]
    now = datetime.now(UTC)
    leases.answers.append([{"_id": LEASE_ID, "owner": "other:2:bb", "heartbeat_at": now, "expired": False,
                            "silent_ms": 1500, "consumers": [vars(STATUSES[0])]}])
    record = background.record()
    assert (record.holder, record.heartbeat_at, record.silent_s, record.expired) == ("other:2:bb", now, 1.5, False)
    assert record.consumers == tuple(STATUSES)
    (_, pipeline), = leases.calls
    assert pipeline[1]["$project"]["expired"] == {"$lte": ["$expires_at", "$$NOW"]}
    assert background.record() is None  # nobody holds it


def test_positions_move_by_compare_and_set(db):
    background = MongoBackground(db)
    positions = db.collections[POSITIONS]
    positions.answers.extend([SimpleNamespace(matched_count=0, upserted_id="relay"),
                              SimpleNamespace(matched_count=1, upserted_id=None),
                              SimpleNamespace(matched_count=0, upserted_id=None),
                              DuplicateKeyError("E11000")])
    background.commit("relay", 0, 5)
    background.commit("relay", 5, 9)
    with pytest.raises(PositionConflict):
        background.commit("relay", 5, 12)  # moved meanwhile
    with pytest.raises(PositionConflict):
        background.commit("relay", 0, 3)  # exists already: its position is not 0
    assert [c[1:4] for c in positions.calls] == [
        ({"_id": "relay", "position": 0}, {"$set": {"position": 5}}, {"upsert": True}),
        ({"_id": "relay", "position": 5}, {"$set": {"position": 9}}, {"upsert": False}),
        ({"_id": "relay", "position": 5}, {"$set": {"position": 12}}, {"upsert": False}),
        ({"_id": "relay", "position": 0}, {"$set": {"position": 3}}, {"upsert": True}),
    ]
