"""The documents a projector has read or changed since its last commit (a unit of work).

Reads go to the store once per document; changes stay in memory until the follower commits
them all, with the position, in one atomic write. Documents are cached across commits
(up to a bound) because the same rooms and members come back batch after batch.
Handlers change a document only through edit(), put() or delete(): a document from get()
is the cached object itself and must be treated as read-only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from ..store import Document, StoredVersion

CACHE_LIMIT = 200_000


class Batch:
    def __init__(self, store: StoredVersion, write_once: frozenset[str] = frozenset()):
        self._docs: defaultdict[str, dict[str, Document | None]] = defaultdict(dict)
        self._dirty: defaultdict[str, set[str]] = defaultdict(set)
        self._dirty_count = 0
        # Collections of documents written once and rarely read back (one per message): not
        # kept after their commit, so the cache holds what batches keep coming back to.
        self._write_once = write_once
        self.store = store

    def get(self, collection: str, doc_id: str) -> Document | None:
        docs = self._docs[collection]
        if doc_id not in docs:
            docs[doc_id] = self.store.load(collection, [doc_id]).get(doc_id)
        return docs[doc_id]

    def prefetch(self, collection: str, ids: Iterable[str]) -> None:
        docs = self._docs[collection]
        missing = [i for i in dict.fromkeys(ids) if i not in docs]
        if missing:
            found = self.store.load(collection, missing)
            for doc_id in missing:
                docs[doc_id] = found.get(doc_id)

    def edit(self, collection: str, doc_id: str, new: Callable[[], Document] | None = None) -> Document:
        """The document, marked changed; created with `new()` when it does not exist."""
        doc = self.get(collection, doc_id)
        if doc is None:
            if new is None:
                raise KeyError(f"{collection}/{doc_id} does not exist")
            doc = self._docs[collection][doc_id] = {**new(), "_id": doc_id}
        self._mark(collection, doc_id)
        return doc

    def put(self, collection: str, doc: Document) -> None:
        self._docs[collection][doc["_id"]] = doc
        self._mark(collection, doc["_id"])

    def delete(self, collection: str, doc_id: str) -> None:
        self._docs[collection][doc_id] = None
        self._mark(collection, doc_id)

    def _mark(self, collection: str, doc_id: str) -> None:
        dirty = self._dirty[collection]
        if doc_id not in dirty:
            dirty.add(doc_id)
            self._dirty_count += 1

    @property
    def dirty_count(self) -> int:
        return self._dirty_count

    def writes(self) -> dict[str, dict[str, Document | None]]:
        return {coll: {i: self._docs[coll][i] for i in ids} for coll, ids in self._dirty.items() if ids}

    def committed(self) -> None:
        self._dirty.clear()
        self._dirty_count = 0
        for collection in self._write_once:
            self._docs.pop(collection, None)
        if sum(len(docs) for docs in self._docs.values()) > CACHE_LIMIT:
            self._docs.clear()
