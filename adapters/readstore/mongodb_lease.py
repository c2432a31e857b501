"""The background lease and the consumers' positions on a MongoDB read store.

Processes on several hosts share one MongoDB read store and no file system, so the lease is a
document, {_id: "background", owner, heartbeat_at, expires_at, consumers}, in the read store's
database. A beat is one find_one_and_update on `_id` alone, with upsert, whose update pipeline
decides: it takes the lease when the document is new (absent), is already this owner's, or has
expired by the server's clock ($$NOW); otherwise it keeps every field as it was. The document
after the update tells the caller whether it holds the lease: its owner is the caller.

Why not a filter on owner or expiry with upsert: MongoDB refuses `$expr` in an upsert's query
(error 224; SERVER-59704), and a filter that misses a live lease of another owner would try to
insert a second document with the same `_id`. Filtering on `_id` alone, the upsert either
updates the one document or inserts it; two first beats racing to insert are settled by the
unique `_id` index (the loser's DuplicateKeyError means another took it).

Writes use w:majority, so a lease or position a failover rolls back was never acknowledged.
Expiry is judged by the server's clock, so the hosts' clocks never matter.

What is checked where: the update document is pinned by tests/unit/test_mongodb_lease.py against
a scripted collection; what MongoDB does with it (upsert on _id, pipeline updates, $$NOW: 4.2+)
runs in tests/integration/test_background_lease_mongodb.py only against a real server
(MONGODB_URL); mongomock has no $$NOW and checks none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError
from pymongo.write_concern import WriteConcern

from hubbub.projections.runtime.lease import LeaseRecord
from hubbub.projections.runtime.status import ConsumerStatus
from hubbub.projections.store import PositionConflict

LEASES, LEASE_ID = "rm.leases", "background"
POSITIONS = "rm.positions"
TTL_S = 30.0  # longer than a replica set election (about 12 s), so a failover alone does not hand it over
MAX_ERROR_CHARS = 300
MAJORITY = WriteConcern("majority")


def beat_update(owner: str, ttl_s: float, consumers: Sequence[ConsumerStatus]) -> list[dict]:
    """The update pipeline of a beat: take the lease when it is absent, ours or expired; else keep it."""
    take = {"$or": [{"$eq": [{"$type": "$owner"}, "missing"]},
                    {"$eq": ["$owner", {"$literal": owner}]},
                    {"$lte": ["$expires_at", "$$NOW"]}]}

    def chosen(taken: object, kept: str) -> dict:
        return {"$cond": [take, taken, kept]}

    return [{"$set": {
        "owner": chosen({"$literal": owner}, "$owner"),
        "heartbeat_at": chosen("$$NOW", "$heartbeat_at"),
        "expires_at": chosen({"$add": ["$$NOW", int(ttl_s * 1000)]}, "$expires_at"),
        "consumers": chosen({"$literal": _encoded(consumers)}, "$consumers"),
    }}]


class MongoBackground:
    """The lease (BackgroundLease) and the positions (ConsumerPositions) in the read store's database."""

    def __init__(self, database: Database, ttl_s: float = TTL_S):
        self.ttl_s = ttl_s
        self._leases: Collection = database.get_collection(LEASES, write_concern=MAJORITY)
        self._positions: Collection = database.get_collection(POSITIONS, write_concern=MAJORITY)

    # The lease.

    def beat(self, owner: str, consumers: Sequence[ConsumerStatus]) -> bool:
        try:
            lease = self._leases.find_one_and_update({"_id": LEASE_ID}, beat_update(owner, self.ttl_s, consumers),
                                                     upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # two first beats raced to insert it: the other one took it
            return False
        return lease is not None and lease.get("owner") == owner

    def release(self, owner: str) -> None:
        self._leases.delete_one({"_id": LEASE_ID, "owner": owner})

    def record(self) -> LeaseRecord | None:
        found = list(self._leases.aggregate([
            {"$match": {"_id": LEASE_ID}},
            {"$project": {"owner": 1, "heartbeat_at": 1, "consumers": 1,
                          "expired": {"$lte": ["$expires_at", "$$NOW"]},
                          "silent_ms": {"$subtract": ["$$NOW", "$heartbeat_at"]}}},
        ]))
        if not found:
            return None
        lease = found[0]
        return LeaseRecord(lease["owner"], lease["heartbeat_at"], max(0.0, lease["silent_ms"] / 1000),
                           bool(lease["expired"]), tuple(ConsumerStatus(**s) for s in lease.get("consumers") or ()))

    # The positions.

    def position(self, name: str) -> int:
        found = self._positions.find_one({"_id": name})
        return found["position"] if found else 0

    def commit(self, name: str, expected: int, position: int) -> None:
        try:
            result = self._positions.update_one({"_id": name, "position": expected},
                                                {"$set": {"position": position}}, upsert=expected == 0)
        except DuplicateKeyError:  # the upsert found the document: its position is not 0
            raise PositionConflict(f"consumer {name}: position is not {expected}") from None
        if result.matched_count == 0 and result.upserted_id is None:
            raise PositionConflict(f"consumer {name}: position is not {expected}")


def _encoded(consumers: Sequence[ConsumerStatus]) -> list[dict]:
    return [{**asdict(s), "error": (s.error or "")[:MAX_ERROR_CHARS] or None} for s in consumers]
