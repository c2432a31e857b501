"""One MongoClient per factory, with the concerns every recorder relies upon.

Reads and writes use majority read and write concern on the primary. Every session is
causally consistent and starts from the latest cluster/operation time this process has
seen, so a read never shows less than an earlier read or write of this process did,
even across a failover (the server waits for afterClusterTime before answering).
Every operation, and every transaction as a whole with its retries, gives up after
`timeout_s` (the client's timeoutMS): an unreachable majority fails a call instead of
hanging its thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from threading import Lock
from typing import Any, TypeVar

from bson.timestamp import Timestamp
import pymongo
from pymongo import MongoClient, ReadPreference
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

MAJORITY_READ = ReadConcern("majority")
MAJORITY_WRITE = WriteConcern("majority")
NAMESPACE_EXISTS = 48

T = TypeVar("T")
Document = dict[str, Any]


class CausalClock:
    """The latest cluster and operation times this process has observed."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._cluster_time: Mapping[str, Any] | None = None
        self._operation_time: Timestamp | None = None

    def stamp(self, session: ClientSession) -> None:
        with self._lock:
            if self._cluster_time is not None:
                session.advance_cluster_time(self._cluster_time)
            if self._operation_time is not None:
                session.advance_operation_time(self._operation_time)

    def observe(self, session: ClientSession) -> None:
        with self._lock:
            cluster_time = session.cluster_time
            if cluster_time is not None and (
                self._cluster_time is None or cluster_time["clusterTime"] > self._cluster_time["clusterTime"]
            ):
                self._cluster_time = cluster_time
            operation_time = session.operation_time
            if operation_time is not None and (self._operation_time is None or operation_time > self._operation_time):
                self._operation_time = operation_time


class MongoDatastore:
    def __init__(self, url: str, database_name: str, timeout_s: float | None = None, **client_options: Any) -> None:
        # connect=False: constructing a factory must not touch the network; the first
        # operation connects. uuidRepresentation="standard" stores UUIDs as BSON binary
        # subtype 4 and reads them back as uuid.UUID.
        options: dict[str, Any] = {"connect": False, "appname": "hubbub", **client_options}
        options["uuidRepresentation"] = "standard"
        if timeout_s is not None:
            options["timeoutMS"] = round(timeout_s * 1000)
        self.timeout_s = timeout_s
        self.client: MongoClient[Document] = MongoClient(url, **options)
        self.database: Database[Document] = self.client.get_database(
            database_name,
            read_concern=MAJORITY_READ,
            write_concern=MAJORITY_WRITE,
            read_preference=ReadPreference.PRIMARY,
        )
        self.clock = CausalClock()

    def collection(self, name: str) -> Collection[Document]:
        return self.database.get_collection(name)

    @contextmanager
    def session(self) -> Iterator[ClientSession]:
        """A causally consistent session that continues from this process's clock."""
        with self.client.start_session(causal_consistency=True) as session:
            self.clock.stamp(session)
            try:
                yield session
            finally:
                # Also after a failure: a duplicate key has shown us the winner's write, and
                # the retry must not read from before it.
                self.clock.observe(session)

    def transaction(self, body: Callable[[ClientSession], T]) -> T:
        """Run `body` in a majority transaction, retried by pymongo while it is transient.

        with_transaction reruns `body` after TransientTransactionError (e.g. a write
        conflict) with jittered backoff, retries the commit after
        UnknownTransactionCommitResult, and gives up after 120 seconds, or once `timeout_s`
        has passed since the start (pymongo.timeout bounds the whole loop, not each try).
        `body` must therefore be free of side effects outside the session.
        """
        with self.session() as session, self.deadline():
            return session.with_transaction(
                body,
                read_concern=MAJORITY_READ,
                write_concern=MAJORITY_WRITE,
                read_preference=ReadPreference.PRIMARY,
            )

    def deadline(self) -> AbstractContextManager[None]:
        return pymongo.timeout(self.timeout_s) if self.timeout_s is not None else nullcontext()

    def ensure_collection(self, name: str) -> None:
        # Created up front so that transactions never create a collection implicitly.
        try:
            self.database.create_collection(name, check_exists=True)
        except CollectionInvalid:
            pass
        except OperationFailure as error:
            if error.code != NAMESPACE_EXISTS:  # another process created it meanwhile
                raise

    def close(self) -> None:
        self.client.close()
