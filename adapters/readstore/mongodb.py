"""The production read store: MongoDB (a replica set: transactions need one).

Collections of a version are named rm.<projection>.v<version>.<collection>; its position is
the document {_id: "position"} in rm.<projection>.v<version>._tracking, and that document is
what makes the version exist. A commit is one multi-document transaction that moves the
position from the expected value (or finds it moved and aborts: PositionConflict; or gone:
VersionGone) and replaces or deletes the batch's documents, so a crash, a failover or a second
writer never leaves documents and position out of step. The catalog is a single document, so
switching several projections at once is one write.

Two paths. The writer's (positions, the documents a projector loads, commits, the catalog,
creating and dropping versions) runs on the primary with majority read and write concern in
causally consistent sessions, like the event store's datastore: it never folds events onto a
stale document and every write it makes survives a failover. Queries follow the URL's read
preference. Every call gives up after the settings' timeout, as eventsourcing's
OperationalError.

A text field is searched through its words (projections/words.py), which this adapter keeps
in the hidden array field WORDS, indexed, and strips from every document it returns.

What is checked where: see adapters/eventstore/MONGODB.md ("Read store"). These semantics come
from MongoDB's documentation; tests/integration/test_projections_mongodb.py runs them against a
real replica set (MONGODB_URL), tests/unit/test_mongodb_readstore_unit.py pins what this code
sends against a scripted client. Nothing is claimed from mongomock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DeleteOne, ReplaceOne
from pymongo.client_session import ClientSession
from pymongo.collection import Collection

from hubbub.adapters.eventstore.mongodb.datastore import MongoDatastore
from hubbub.adapters.eventstore.mongodb.errors import translated
from hubbub.adapters.eventstore.mongodb.factory import database_in_url
from hubbub.projections.store import CollectionSpec, Document, Filter, PositionConflict, Sort, VersionGone
from hubbub.projections.words import words

from .mongodb_lease import MongoBackground

CATALOG, CATALOG_ID = "rm.catalog", "serving"
WORDS = "_words"
HIDDEN = {WORDS: 0}
DEFAULT_DATABASE = "hubbub"
_LOAD_CHUNK = 1_000


def _prefix(name: str, version: int) -> str:
    return f"rm.{name}.v{version}."


def open_datastore(url: str, timeout_s: float | None, **client_options: Any) -> MongoDatastore:
    """The client of a read store (and of its lease): majority concerns, the timeout, lazy connect."""
    return MongoDatastore(url, database_in_url(url) or DEFAULT_DATABASE, timeout_s, tz_aware=True, **client_options)


class MongoVersion:
    # Keeps each transaction well inside MongoDB's 60 s default lifetime and oplog limits,
    # rebuilds included.
    max_batch_docs = max_bulk_docs = 5_000

    def __init__(self, datastore: MongoDatastore, name: str, version: int, specs: Sequence[CollectionSpec]):
        self._store = datastore
        self._queries = datastore.client.get_database(datastore.database.name)  # the URL's read preference
        self._name, self._version = name, version
        self._prefix = _prefix(name, version)
        self._tracking = self._writer("_tracking")
        self._text_fields = {spec.name: spec.text_field for spec in specs if spec.text_field}

    def _writer(self, collection: str) -> Collection[Document]:
        return self._store.collection(self._prefix + collection)

    @translated
    def create(self, specs: Sequence[CollectionSpec], shape: str | None = None) -> None:
        # The position first: refused for a retired version, so nothing below recreates one
        # (the transaction creates the _tracking collection implicitly, or not at all).
        self._store.ensure_collection(CATALOG)
        self._store.transaction(lambda session: self._create_position(session, shape))
        for spec in specs:
            collection = self._writer(spec.name)
            for index in spec.indexes:
                collection.create_index([(f, ASCENDING) for f in index])
            if spec.text_field:
                # Multikey: a word's documents, then by the spec's first index (a room, its positions).
                first = spec.indexes[0] if spec.indexes else ()
                collection.create_index([(WORDS, ASCENDING), *((f, ASCENDING) for f in first)])

    def _create_position(self, session: ClientSession, shape: str | None) -> None:
        catalog = self._store.collection(CATALOG)
        serving = (catalog.find_one({"_id": CATALOG_ID}, session=session) or {}).get("versions", {}).get(self._name)
        if serving is not None and self._version < serving:
            raise VersionGone(f"read model {self._name} v{self._version} is retired (v{serving} serves)")
        # Written in the same transaction so that a switch committed after our read conflicts
        # with it (and the retry sees the switch), and a switch waits for it to commit.
        catalog.update_one({"_id": CATALOG_ID}, {"$inc": {"creations": 1}}, upsert=True, session=session)
        # The shape goes with the position, written only by the call that creates the version.
        fresh = {"position": 0, **({"shape": shape} if shape is not None else {})}
        self._tracking.update_one({"_id": "position"}, {"$setOnInsert": fresh}, upsert=True, session=session)

    @translated
    def exists(self) -> bool:
        with self._store.session() as session:
            return self._tracking.find_one({"_id": "position"}, session=session) is not None

    @translated
    def position(self) -> int:
        with self._store.session() as session:
            doc = self._tracking.find_one({"_id": "position"}, session=session)
        if doc is None:
            raise VersionGone(f"{self._prefix} has no position (dropped?)")
        return doc["position"]

    @translated
    def shape(self) -> str | None:
        with self._store.session() as session:
            doc = self._tracking.find_one({"_id": "position"}, session=session)
        if doc is None:
            raise VersionGone(f"{self._prefix} has no position (dropped?)")
        return doc.get("shape")

    @translated
    def load(self, collection: str, ids: Iterable[str]) -> dict[str, Document]:
        wanted, found = list(ids), {}
        with self._store.session() as session:
            for start in range(0, len(wanted), _LOAD_CHUNK):
                chunk = wanted[start : start + _LOAD_CHUNK]
                docs = self._writer(collection).find({"_id": {"$in": chunk}}, HIDDEN, session=session)
                found.update((d["_id"], d) for d in docs)
        return found

    @translated
    def commit(self, writes: Mapping[str, Mapping[str, Document | None]], expected: int, position: int) -> None:
        def in_transaction(session: ClientSession) -> None:
            self._move_position(session, expected, position)
            for collection, docs in writes.items():
                operations = [DeleteOne({"_id": i}) if d is None else ReplaceOne({"_id": i}, self._stored(collection, d),
                                                                                  upsert=True)
                              for i, d in docs.items()]
                if operations:
                    self._writer(collection).bulk_write(operations, ordered=False, session=session)

        # with_transaction retries transient errors (a write conflict with a second writer
        # included: its retry then finds the position moved and raises PositionConflict).
        self._store.transaction(in_transaction)

    def _stored(self, collection: str, doc: Document) -> Document:
        field = self._text_fields.get(collection)
        return {**doc, WORDS: list(dict.fromkeys(words(doc.get(field) or "")))} if field else doc

    def _move_position(self, session: ClientSession, expected: int, position: int) -> None:
        # Never an upsert: a stale writer must not recreate a dropped version (a zombie).
        result = self._tracking.update_one({"_id": "position", "position": expected},
                                           {"$set": {"position": position}}, session=session)
        if result.matched_count:
            return
        if self._tracking.find_one({"_id": "position"}, session=session) is None:
            raise VersionGone(f"{self._prefix} has no position (dropped?)")
        raise PositionConflict(f"{self._prefix}: position is not {expected}")

    def _query(self, collection: str) -> Collection[Document]:
        return self._queries[self._prefix + collection]

    @translated
    def find_one(self, collection: str, doc_id: str) -> Document | None:
        return self._query(collection).find_one({"_id": doc_id}, HIDDEN)

    @translated
    def find(self, collection: str, filter: Filter, sort: Sort = (), limit: int = 0) -> list[Document]:
        return list(self._query(collection).find(dict(filter), HIDDEN, sort=list(sort) or None, limit=limit))

    @translated
    def count(self, collection: str, filter: Filter) -> int:
        return self._query(collection).count_documents(dict(filter))

    def text_search(self, collection: str, terms: Sequence[str], filter: Filter, sort: Sort = (),
                    limit: int = 0) -> list[Document]:
        wanted = list(dict.fromkeys(w for term in terms for w in words(term)))
        if not wanted:
            return []
        # Every word, whole: $all is the $and of one equality per word on the multikey array.
        return self.find(collection, {**filter, WORDS: {"$all": wanted}}, sort, limit)

    @translated
    def drop(self) -> None:
        pattern = "^" + re.escape(self._prefix)
        for name in self._store.database.list_collection_names(filter={"name": {"$regex": pattern}}):
            self._store.database.drop_collection(name)

    def close(self) -> None:
        """Nothing per version: the client is the store's."""


class MongoReadStore:
    def __init__(self, url: str, timeout_s: float | None = None, **client_options: Any):
        # Connects lazily, in the background: constructing this opens no socket on the caller's thread.
        self._store = open_datastore(url, timeout_s, **client_options)
        self._opened: dict[tuple[str, int], MongoVersion] = {}

    @property
    def datastore(self) -> MongoDatastore:
        return self._store

    @translated
    def active_version(self, name: str) -> int | None:
        """As queries see it: read where the URL says (a lagging secondary delays a switch, no more)."""
        doc = self._store.client.get_database(self._store.database.name)[CATALOG].find_one({"_id": CATALOG_ID})
        return (doc or {}).get("versions", {}).get(name)

    @translated
    def versions(self, name: str) -> list[int]:
        pattern = re.compile(r"^rm\." + re.escape(name) + r"\.v(\d+)\._tracking$")
        names = self._store.database.list_collection_names()
        return sorted(int(m.group(1)) for m in map(pattern.match, names) if m)

    def open(self, name: str, version: int, specs: Sequence[CollectionSpec], create: bool = False,
             shape: str | None = None) -> MongoVersion:
        opened = self._opened.get((name, version))
        if opened is None:
            opened = MongoVersion(self._store, name, version, specs)
            if create:
                opened.create(specs, shape)
            elif not opened.exists():
                raise VersionGone(f"read model {name} v{version} does not exist")
            self._opened[(name, version)] = opened
        return opened

    @translated
    def activate(self, versions: Mapping[str, int]) -> None:
        changes = {f"versions.{name}": version for name, version in versions.items()}
        with self._store.session() as session:
            self._store.collection(CATALOG).update_one({"_id": CATALOG_ID}, {"$set": changes}, upsert=True,
                                                       session=session)

    def release(self, name: str, version: int) -> None:
        self._opened.pop((name, version), None)

    def drop(self, name: str, version: int) -> None:
        if self._serving(name) == version:
            raise ValueError(f"read model {name} v{version} is serving: activate another version first")
        self._opened.pop((name, version), None)
        MongoVersion(self._store, name, version, ()).drop()

    @translated
    def _serving(self, name: str) -> int | None:
        with self._store.session() as session:
            doc = self._store.collection(CATALOG).find_one({"_id": CATALOG_ID}, session=session)
        return (doc or {}).get("versions", {}).get(name)

    def lease(self) -> MongoBackground:
        # The writer's database: primary, majority, and the store's timeout.
        return MongoBackground(self._store.database)

    def positions(self) -> MongoBackground:
        return MongoBackground(self._store.database)

    def close(self) -> None:
        self._store.close()
