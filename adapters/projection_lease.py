"""One projection worker per MongoDB read store at a time: a lease, where the embedded store
has a file lock.

Processes on several hosts share one MongoDB read store and no file system, so the lock is a
document, {_id: "projections", owner, expires_at}, in the read store's database. Its holder
renews it every RENEW_EVERY_S; a worker whose holder died takes it over once it has expired
(TTL_S after the last renewal), and a holder that stops gracefully deletes it. Expiry is
judged by the server's clock ($$NOW), so the hosts' clocks never matter.

The lease saves work, it does not guard correctness: read-model commits move positions by
compare and set, so a holder paused past its expiry that commits after a takeover gets a
PositionConflict instead of writing over its successor's work. A holder that cannot renew
for TTL_S stops projecting (it can no longer know it holds the lease) and tries again later.

What is checked where: these semantics come from MongoDB's documentation (upserts on _id,
find_one_and_update with an update pipeline, $$NOW: MongoDB 4.2+) and run in
tests/integration/test_projection_lease_mongodb.py only against a real server
(MONGODB_URL); mongomock has no $$NOW and checks none of it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, PyMongoError

from hubbub.domain.ids import random_id

LEASES, LEASE_ID = "rm.leases", "projections"
TTL_S = 30.0  # longer than a replica set election (about 12 s), so a failover alone does not hand it over
RENEW_EVERY_S = 5.0
logger = logging.getLogger(__name__)


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{random_id().hex[:8]}"


class MongoLease:
    def __init__(self, leases: Collection, ttl_s: float = TTL_S, renew_every_s: float = RENEW_EVERY_S,
                 clock: Callable[[], float] = time.monotonic, on_release: Callable[[], None] = lambda: None):
        self.owner = _owner()
        self._leases = leases
        self._ttl_s = ttl_s
        self._renew_every_s = renew_every_s
        self._clock = clock
        self._on_release = on_release
        self._renewed_at: float | None = None  # our clock, at the last renewal the server confirmed

    @property
    def held(self) -> bool:
        return self._renewed_at is not None

    def try_acquire(self) -> bool:
        """Take the lease if it is free, expired or ours (renewing it); False while another holds it."""
        sent = self._clock()  # before the server's $$NOW: our idea of the expiry is never the later one
        try:
            self._leases.find_one_and_update(
                {"_id": LEASE_ID, "$or": [{"owner": self.owner}, {"$expr": {"$lte": ["$expires_at", "$$NOW"]}}]},
                [{"$set": {"owner": self.owner, "expires_at": {"$add": ["$$NOW", int(self._ttl_s * 1000)]}}}],
                upsert=True,
            )
        except DuplicateKeyError:  # the filter missed an existing lease: someone else's, still live
            self._renewed_at = None
            return False
        self._renewed_at = sent
        return True

    def renew(self) -> bool:
        """Called on every tick by the holder: True while the lease is still surely ours."""
        if self._renewed_at is None:
            return False
        started = self._clock()
        if started - self._renewed_at < self._renew_every_s:
            return True
        try:
            if self.try_acquire():
                return True
            logger.warning("projections: lost the MongoDB lease; %s", self.holder())
            return False
        except PyMongoError as error:
            logger.warning("projections: could not renew the MongoDB lease (%s)", error)
            # Unknown outcome: keep going while the last confirmed renewal still covers us.
            if started - self._renewed_at >= self._ttl_s:
                self._renewed_at = None
            return self.held

    def holder(self) -> str:
        try:
            lease = self._leases.find_one({"_id": LEASE_ID})
        except PyMongoError as error:
            return f"the MongoDB lease is unreadable ({error})"
        if lease is None:
            return "nobody holds the MongoDB projection lease"
        return f"{lease['owner']} holds the MongoDB projection lease until {lease['expires_at']}"

    def release(self) -> None:
        try:
            if self._renewed_at is not None:
                self._leases.delete_one({"_id": LEASE_ID, "owner": self.owner})
        except PyMongoError as error:  # it expires by itself
            logger.warning("projections: could not release the MongoDB lease (%s)", error)
        finally:
            self._renewed_at = None
            self._on_release()


def mongo_lease(url: str) -> MongoLease:
    """The lease in the read store's database; its client closes with the lease's release."""
    client = MongoClient(url, tz_aware=True)
    database = client.get_default_database(default="hubbub")
    return MongoLease(database[LEASES], on_release=client.close)
