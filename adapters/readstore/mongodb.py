"""The production read store: MongoDB (a replica set: transactions need one).

Collections of a version are named rm.<projection>.v<version>.<collection>; its position is
the document {_id: "position"} in rm.<projection>.v<version>._tracking. A commit is one
multi-document transaction that moves the position from the expected value (or finds it
moved and aborts: PositionConflict) and replaces or deletes the batch's documents, so a
crash, a failover or a second writer never leaves documents and position out of step.
The catalog is a single document, so switching several projections at once is one write.

What is checked where: these semantics come from MongoDB's documentation and run in
tests/integration/test_projections_mongodb.py only against a real replica set
(MONGODB_URL); nothing here has been verified against mongomock, which has no transactions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pymongo import ASCENDING, TEXT, DeleteOne, MongoClient, ReplaceOne
from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from hubbub.projections.store import CollectionSpec, Document, Filter, PositionConflict, Sort, VersionGone

from .mongodb_lease import MongoBackground

CATALOG, CATALOG_ID = "rm.catalog", "serving"
_LOAD_CHUNK = 1_000


def _prefix(name: str, version: int) -> str:
    return f"rm.{name}.v{version}."


class MongoVersion:
    # Keeps each transaction well inside MongoDB's 60 s default lifetime and oplog limits,
    # rebuilds included.
    max_batch_docs = max_bulk_docs = 5_000

    def __init__(self, client: MongoClient, database: str, name: str, version: int):
        self._client = client
        self._db = client[database]
        self._prefix = _prefix(name, version)
        self._tracking = self._db[self._prefix + "_tracking"]

    def create(self, specs: Sequence[CollectionSpec]) -> None:
        for spec in specs:
            collection = self._db[self._prefix + spec.name]
            for index in spec.indexes:
                collection.create_index([(f, ASCENDING) for f in index])
            if spec.text_field:
                # "none": no stemming and no stop words, like the embedded store's tokenizer.
                collection.create_index([(spec.text_field, TEXT)], default_language="none")
        self._tracking.update_one({"_id": "position"}, {"$setOnInsert": {"position": 0}}, upsert=True)

    def exists(self) -> bool:
        return self._tracking.find_one({"_id": "position"}) is not None

    def position(self) -> int:
        doc = self._tracking.find_one({"_id": "position"})
        if doc is None:
            raise VersionGone(f"{self._prefix} has no position (dropped?)")
        return doc["position"]

    def load(self, collection: str, ids: Iterable[str]) -> dict[str, Document]:
        wanted, found = list(ids), {}
        for start in range(0, len(wanted), _LOAD_CHUNK):
            chunk = wanted[start : start + _LOAD_CHUNK]
            found.update((d["_id"], d) for d in self._db[self._prefix + collection].find({"_id": {"$in": chunk}}))
        return found

    def commit(self, writes: Mapping[str, Mapping[str, Document | None]], expected: int, position: int) -> None:
        def in_transaction(session: ClientSession) -> None:
            self._move_position(session, expected, position)
            for collection, docs in writes.items():
                operations = [DeleteOne({"_id": i}) if d is None else ReplaceOne({"_id": i}, d, upsert=True)
                              for i, d in docs.items()]
                if operations:
                    self._db[self._prefix + collection].bulk_write(operations, ordered=False, session=session)

        with self._client.start_session() as session:
            # with_transaction retries transient errors (a write conflict with a second writer
            # included: its retry then finds the position moved and raises PositionConflict).
            session.with_transaction(in_transaction, read_concern=ReadConcern("snapshot"),
                                     write_concern=WriteConcern("majority"))

    def _move_position(self, session: ClientSession, expected: int, position: int) -> None:
        try:
            result = self._tracking.update_one({"_id": "position", "position": expected},
                                               {"$set": {"position": position}}, upsert=expected == 0, session=session)
        except DuplicateKeyError:  # upsert raced an existing position document: it is not 0
            raise PositionConflict(f"{self._prefix}: position is not {expected}") from None
        if result.matched_count == 0 and result.upserted_id is None:
            raise PositionConflict(f"{self._prefix}: position is not {expected}")

    def find_one(self, collection: str, doc_id: str) -> Document | None:
        return self._db[self._prefix + collection].find_one({"_id": doc_id})

    def find(self, collection: str, filter: Filter, sort: Sort = (), limit: int = 0) -> list[Document]:
        return list(self._db[self._prefix + collection].find(dict(filter), sort=list(sort) or None, limit=limit))

    def count(self, collection: str, filter: Filter) -> int:
        return self._db[self._prefix + collection].count_documents(dict(filter))

    def text_search(self, collection: str, terms: Sequence[str], filter: Filter, sort: Sort = (),
                    limit: int = 0) -> list[Document]:
        if not terms:
            return []
        # Quoted terms are phrases, and MongoDB ANDs phrases: every word must be there.
        search = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        query = {"$text": {"$search": search}, **filter}
        return list(self._db[self._prefix + collection].find(query, sort=list(sort) or None, limit=limit))

    def drop(self) -> None:
        pattern = "^" + re.escape(self._prefix)
        for name in self._db.list_collection_names(filter={"name": {"$regex": pattern}}):
            self._db.drop_collection(name)

    def close(self) -> None:
        """Nothing per version: the client is the store's."""


class MongoReadStore:
    def __init__(self, url: str):
        # Connects lazily, in the background: constructing this opens no socket on the caller's thread.
        self._client = MongoClient(url, tz_aware=True)
        self._database = self._client.get_default_database(default="hubbub").name
        self._catalog = self._client[self._database][CATALOG]
        self._opened: dict[tuple[str, int], MongoVersion] = {}

    def active_version(self, name: str) -> int | None:
        doc = self._catalog.find_one({"_id": CATALOG_ID}) or {}
        return doc.get("versions", {}).get(name)

    def versions(self, name: str) -> list[int]:
        pattern = re.compile(r"^rm\." + re.escape(name) + r"\.v(\d+)\._tracking$")
        names = self._client[self._database].list_collection_names()
        return sorted(int(m.group(1)) for m in map(pattern.match, names) if m)

    def open(self, name: str, version: int, specs: Sequence[CollectionSpec], create: bool = False) -> MongoVersion:
        opened = self._opened.get((name, version))
        if opened is None:
            opened = MongoVersion(self._client, self._database, name, version)
            if create:
                opened.create(specs)
            elif not opened.exists():
                raise VersionGone(f"read model {name} v{version} does not exist")
            self._opened[(name, version)] = opened
        return opened

    def activate(self, versions: Mapping[str, int]) -> None:
        changes = {f"versions.{name}": version for name, version in versions.items()}
        self._catalog.update_one({"_id": CATALOG_ID}, {"$set": changes}, upsert=True)

    def release(self, name: str, version: int) -> None:
        self._opened.pop((name, version), None)

    def drop(self, name: str, version: int) -> None:
        if self.active_version(name) == version:
            raise ValueError(f"read model {name} v{version} is serving: activate another version first")
        self._opened.pop((name, version), None)
        MongoVersion(self._client, self._database, name, version).drop()

    def lease(self) -> MongoBackground:
        return MongoBackground(self._client[self._database])

    def positions(self) -> MongoBackground:
        return MongoBackground(self._client[self._database])

    def close(self) -> None:
        self._client.close()
