"""Aggregate, application, tracking and process recorders on MongoDB.

Every write is a multi-document transaction (majority read and write concern), so a
batch of events, its notification ids and its tracking record commit together or not
at all. See ../MONGODB.md for why the notification ids come out gapless and in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock
from typing import TYPE_CHECKING, Any
from uuid import UUID

from bson.int64 import Int64
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    IntegrityError,
    InternalError,
    Notification,
    ProcessRecorder,
    ProgrammingError,
    StoredEvent,
    Subscription,
    Tracking,
    TrackingRecorder,
)
from pymongo import ReturnDocument
from pymongo.errors import PyMongoError

from .documents import (
    AGGREGATE_KEY,
    AGGREGATE_KEY_INDEX_NAME,
    Document,
    Query,
    event_document,
    events_query,
    notification,
    notification_document,
    notifications_query,
    stored_event,
)
from .errors import is_duplicate_id, is_duplicate_key, translated
from .subscription import MongoSubscription, wake_up_pipeline

if TYPE_CHECKING:
    from pymongo.change_stream import CollectionChangeStream
    from pymongo.client_session import ClientSession
    from pymongo.collection import Collection

    from .datastore import MongoDatastore

COUNTERS_COLLECTION = "notification_counters"


class MongoRecorder:
    def __init__(self, datastore: MongoDatastore) -> None:
        self.datastore = datastore
        self._ready = False  # what writes rely on has been created or checked
        self._ready_lock = Lock()

    def create_table(self) -> None:
        """Create this recorder's collections and indexes; safe to repeat."""

    def check_table(self) -> None:
        """Before the first write when create_table() did not run (CREATE_TABLE=no): refuse
        to write unless what correctness rests on exists, and repair what may be repaired."""

    def prepared(self) -> None:
        """Mark the tables as made by create_table(): no check before the first write."""
        self._ready = True

    def _before_write(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                self.check_table()
                self._ready = True

    def _find(self, collection: Collection[Document], query: Query) -> list[Document]:
        with self.datastore.session() as session:
            cursor = collection.find(
                query.filter, query.projection, sort=query.sort, limit=query.limit, session=session
            )
            return list(cursor)


class MongoAggregateRecorder(MongoRecorder, AggregateRecorder):
    def __init__(self, datastore: MongoDatastore, *, events_collection_name: str = "stored_events") -> None:
        super().__init__(datastore)
        self.events_collection_name = events_collection_name
        self.events = datastore.collection(events_collection_name)

    def create_table(self) -> None:
        super().create_table()
        self.events.create_index(AGGREGATE_KEY, unique=True, name=AGGREGATE_KEY_INDEX_NAME)

    def check_table(self) -> None:
        super().check_table()
        # Without this index two writers of the same version both commit: the history forks.
        if not any(_is_aggregate_key(index) for index in self.events.list_indexes()):
            raise ProgrammingError(
                f"{self.events_collection_name} has no unique index on (originator_id, originator_version): "
                "refusing to write (run once with CREATE_TABLE=yes, or create the index)"
            )

    @translated
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if stored_events:
            self._before_write()
            self.datastore.transaction(lambda session: self._insert_events(session, stored_events, **kwargs))
        return None

    def _insert_events(self, session: ClientSession, stored_events: Sequence[StoredEvent], **_: Any) -> list[int]:
        self._insert_documents(session, [event_document(e) for e in stored_events])
        return []

    def _insert_documents(self, session: ClientSession, documents: list[Document]) -> None:
        try:
            self.events.insert_many(documents, ordered=True, session=session)
        except PyMongoError as error:
            # Raising aborts the transaction, so none of the batch is kept.
            if is_duplicate_id(error):
                # A notification id taken twice: the counter is behind the stored events. Not
                # a concurrent writer's version (IntegrityError would make callers retry for
                # ever); check and reseed the counter before the next write.
                self._ready = False
                raise InternalError(f"notification counter behind the stored events: {error}") from error
            if is_duplicate_key(error):
                raise IntegrityError(f"Stored event already recorded: {error}") from error
            raise

    @translated
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        if limit is not None and limit <= 0:  # pymongo reads 0 as "no limit"; SQL's LIMIT 0 is no rows
            return []
        query = events_query(originator_id, gt, lte, desc=desc, limit=limit)
        return [stored_event(d) for d in self._find(self.events, query)]


class MongoApplicationRecorder(MongoAggregateRecorder, ApplicationRecorder):
    def __init__(self, datastore: MongoDatastore, *, events_collection_name: str = "stored_events") -> None:
        super().__init__(datastore, events_collection_name=events_collection_name)
        self.counters = datastore.collection(COUNTERS_COLLECTION)

    def create_table(self) -> None:
        super().create_table()
        self.datastore.ensure_collection(COUNTERS_COLLECTION)
        self._seed_counter()

    def check_table(self) -> None:
        super().check_table()
        self._seed_counter()

    def _seed_counter(self) -> None:
        # From the largest stored id, never lowering it ($max): events restored without their
        # counter must not make every insert collide. A concurrent seeder's upsert on the same
        # _id is retried by the server (an equality match on _id), not a duplicate key error.
        last = self._find(self.events, Query({}, [("_id", -1)], 1, projection={"_id": 1}))
        stored_max = int(last[0]["_id"]) if last else 0
        self.counters.update_one(
            {"_id": self.events_collection_name}, {"$max": {"last_id": Int64(stored_max)}}, upsert=True
        )

    @translated
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        self._before_write()
        return self.datastore.transaction(lambda session: self._insert_events(session, stored_events, **kwargs))

    def _insert_events(self, session: ClientSession, stored_events: Sequence[StoredEvent], **_: Any) -> list[int]:
        if not stored_events:
            return []
        ids = self._take_notification_ids(session, len(stored_events))
        self._insert_documents(session, [notification_document(e, i) for e, i in zip(stored_events, ids, strict=True)])
        return ids

    def _take_notification_ids(self, session: ClientSession, count: int) -> list[int]:
        # The first write of the transaction: a concurrent transaction that already
        # incremented the counter makes this one fail at once with a WriteConflict
        # (TransientTransactionError), and with_transaction retries it after that one
        # has committed. So ids are handed out in commit order, and an abort hands
        # them back.
        # No upsert: a counter created here would start at 0 whatever is stored. It was seeded
        # from the stored events before the first write; gone since, it is seeded again.
        counter = self.counters.find_one_and_update(
            {"_id": self.events_collection_name},
            {"$inc": {"last_id": Int64(count)}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if counter is None:
            self._ready = False
            raise InternalError(f"notification counter {self.events_collection_name!r} is missing; reseeded next write")
        last_id = int(counter["last_id"])
        return list(range(last_id - count + 1, last_id + 1))

    @translated
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        if limit <= 0:  # pymongo reads 0 as "no limit"; SQL's LIMIT 0 is no rows
            return []
        query = notifications_query(start, limit, stop, topics, inclusive_of_start=inclusive_of_start)
        return [notification(d) for d in self._find(self.events, query)]

    @translated
    def max_notification_id(self) -> int | None:
        last = self._find(self.events, Query({}, [("_id", -1)], 1, projection={"_id": 1}))
        return int(last[0]["_id"]) if last else None

    @translated
    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[ApplicationRecorder]:
        return MongoSubscription(recorder=self, gt=gt, topics=topics)

    def watch_inserts(self, topics: Sequence[str], max_await_time_ms: int) -> CollectionChangeStream[Document]:
        """A change stream of (slimmed) insert events, to wake up subscriptions."""
        return self.events.watch(wake_up_pipeline(topics), max_await_time_ms=max_await_time_ms)


class MongoTrackingRecorder(MongoRecorder, TrackingRecorder):
    def __init__(
        self, datastore: MongoDatastore, *, tracking_collection_name: str = "notification_tracking", **kwargs: Any
    ) -> None:
        super().__init__(datastore, **kwargs)
        self.tracking_collection_name = tracking_collection_name
        self.tracking = datastore.collection(tracking_collection_name)

    def create_table(self) -> None:
        super().create_table()
        self.datastore.ensure_collection(self.tracking_collection_name)

    @translated
    def insert_tracking(self, tracking: Tracking) -> None:
        self._before_write()
        self.datastore.transaction(lambda session: self._insert_tracking(session, tracking))

    def _insert_tracking(self, session: ClientSession, tracking: Tracking) -> None:
        # One document per upstream application holds its position. The filter only
        # matches a lower position, so the same or a lower id falls through to the
        # upsert's insert, whose _id already exists: a duplicate key. A concurrent
        # writer of the same document makes this a write conflict and a retry instead.
        try:
            self.tracking.update_one(
                {"_id": tracking.application_name, "notification_id": {"$lt": tracking.notification_id}},
                {"$set": {"notification_id": tracking.notification_id}},
                upsert=True,
                session=session,
            )
        except PyMongoError as error:
            if is_duplicate_key(error):
                raise IntegrityError(
                    f"Tracking {tracking.application_name} {tracking.notification_id} "
                    "is not after the recorded position"
                ) from error
            raise

    @translated
    def max_tracking_id(self, application_name: str) -> int | None:
        with self.datastore.session() as session:
            position = self.tracking.find_one({"_id": application_name}, session=session)
        return None if position is None else int(position["notification_id"])


class MongoProcessRecorder(MongoTrackingRecorder, MongoApplicationRecorder, ProcessRecorder):
    def __init__(
        self,
        datastore: MongoDatastore,
        *,
        events_collection_name: str = "stored_events",
        tracking_collection_name: str = "notification_tracking",
    ) -> None:
        super().__init__(
            datastore, tracking_collection_name=tracking_collection_name, events_collection_name=events_collection_name
        )

    def _insert_events(self, session: ClientSession, stored_events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            self._insert_tracking(session, tracking)
        return super()._insert_events(session, stored_events, **kwargs)


def _is_aggregate_key(index: Document) -> bool:
    return bool(index.get("unique")) and list(index["key"].items()) == AGGREGATE_KEY
