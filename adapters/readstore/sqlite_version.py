"""One version of one projection's read model in its own SQLite file.

Each collection is a table (id, encoded document, one column per indexed field); a collection
with a text field gets an FTS5 index kept in step by triggers. The `tracking` row holds the
position, and commit() writes documents and position in one transaction: a crash (or a kill)
at any point leaves either all of a batch or none of it, with the matching position.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from hubbub.projections.store import CollectionSpec, Document, Filter, PositionConflict, Sort, VersionGone
from hubbub.projections.words import words

from . import sqlite_query as q
from .sqlite_schema import create_schema, row, upsert_sql

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder().decode
_LOAD_CHUNK = 500
WRITER_CACHE_KIB = 131_072


@dataclass(eq=False)
class _Reader:
    """One thread's connection, and the lock it holds while a query runs: close() takes it
    before closing the connection, since closing one mid-query from another thread can crash."""

    conn: sqlite3.Connection
    lock: threading.RLock = field(default_factory=threading.RLock)


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a power cut may lose the last commits, never half of one, and a lost
    # commit takes its position with it, so the projector simply redoes it.
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class SQLiteVersion:
    # A SQLite transaction has no size limit worth the name: fewer, larger commits rewrite
    # a busy room's document fewer times during a rebuild.
    max_batch_docs = 100_000

    def __init__(self, path: Path, specs: Sequence[CollectionSpec], shape: str | None = None):
        self.path = path
        self._specs = {spec.name: spec for spec in specs}
        self._writer = connect(path)
        # Large commits (a rebuild writes hundreds of thousands of documents at once) insert into
        # indexes keyed by random ids: without room for the pages, SQLite spills and re-reads them.
        self._writer.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
        create_schema(self._writer, specs, shape)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[_Reader] = []
        self._closed = False

    # Writing (one projector at a time; the lock also orders commits of this process).

    def position(self) -> int:
        with self._reading() as conn:
            return conn.execute("SELECT position FROM tracking").fetchone()[0]

    def shape(self) -> str | None:
        with self._reading() as conn:
            row = conn.execute("SELECT shape FROM shape").fetchone()
        return row[0] if row else None

    def load(self, collection: str, ids: Iterable[str]) -> dict[str, Document]:
        wanted, found = list(ids), {}
        with self._reading() as conn:
            for start in range(0, len(wanted), _LOAD_CHUNK):
                chunk = wanted[start : start + _LOAD_CHUNK]
                sql = f'SELECT id, doc FROM "{collection}" WHERE id IN ({",".join("?" * len(chunk))})'
                found.update((doc_id, _decode(doc)) for doc_id, doc in conn.execute(sql, chunk))
        return found

    def commit(self, writes: Mapping[str, Mapping[str, Document | None]], expected: int, position: int) -> None:
        with self._write_lock:
            self._ensure_open()
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                stored = conn.execute("SELECT position FROM tracking").fetchone()[0]
                if stored != expected:
                    raise PositionConflict(f"{self.path.name}: position is {stored}, expected {expected}")
                for collection, docs in writes.items():
                    self._write_collection(conn, collection, docs)
                conn.execute("UPDATE tracking SET position = ?", (position,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _write_collection(self, conn: sqlite3.Connection, collection: str, docs: Mapping[str, Document | None]) -> None:
        spec = self._specs[collection]
        fields = spec.indexed_fields
        deleted = [(doc_id,) for doc_id, doc in docs.items() if doc is None]
        if deleted:
            conn.executemany(f'DELETE FROM "{collection}" WHERE id = ?', deleted)
        rows = [row(doc_id, _encode(to_millis(doc)), doc, fields, spec.text_field)
                for doc_id, doc in docs.items() if doc is not None]
        if rows:
            conn.executemany(upsert_sql(spec), rows)

    # Reading (any thread; each thread reads through its own connection).

    def _closed_meanwhile(self, error: sqlite3.ProgrammingError) -> Exception:
        # Closed by a drop or a switch while a query was running: report it as such.
        return VersionGone(f"{self.path.name} was closed") if self._closed else error

    def find_one(self, collection: str, doc_id: str) -> Document | None:
        return self.load(collection, [doc_id]).get(doc_id)

    def find(self, collection: str, filter: Filter, sort: Sort = (), limit: int = 0) -> list[Document]:
        filter = to_millis(filter)
        fields = self._specs[collection].indexed_fields
        plan = q.plan(filter, fields)
        sql = f'SELECT doc FROM "{collection}" WHERE {plan.sql_where()}{q.order_by(sort, fields)}'
        if plan.exact and limit:
            sql += f" LIMIT {int(limit)}"
        with self._reading() as conn:
            rows = conn.execute(sql, plan.params)
            return q.matching((_decode(doc) for (doc,) in rows), filter, plan.exact, limit)

    def count(self, collection: str, filter: Filter) -> int:
        filter = to_millis(filter)
        plan = q.plan(filter, self._specs[collection].indexed_fields)
        if plan.exact:
            sql = f'SELECT count(*) FROM "{collection}" WHERE {plan.sql_where()}'
            with self._reading() as conn:
                return conn.execute(sql, plan.params).fetchone()[0]
        return len(self.find(collection, filter))

    def text_search(
        self, collection: str, terms: Sequence[str], filter: Filter, sort: Sort = (), limit: int = 0
    ) -> list[Document]:
        wanted = list(dict.fromkeys(w for term in terms for w in words(term)))
        if not wanted:
            return []
        filter = to_millis(filter)
        fields = self._specs[collection].indexed_fields
        plan = q.plan(filter, fields)
        # Each word quoted: a whole-token match, and FTS5 ANDs the phrases.
        match = " ".join('"' + word.replace('"', '""') + '"' for word in wanted)
        sql = (
            f'SELECT c.doc FROM "{collection}" c JOIN "{collection}__fts" t ON t.rowid = c.rid '
            f'WHERE "{collection}__fts" MATCH ? AND {plan.sql_where()}{q.order_by(sort, fields)}'
        )
        with self._reading() as conn:
            rows = conn.execute(sql, [match, *plan.params])
            return q.matching((_decode(doc) for (doc,) in rows), filter, plan.exact, limit)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, held for one query (its rows must be read inside)."""
        reader = self._reader()
        with reader.lock:
            self._ensure_open()
            try:
                yield reader.conn
            except sqlite3.ProgrammingError as error:
                raise self._closed_meanwhile(error) from None

    def _reader(self) -> _Reader:
        self._ensure_open()
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = _Reader(connect(self.path))
            with self._write_lock:
                self._readers.append(reader)
        return reader

    def _ensure_open(self) -> None:
        if self._closed:
            raise VersionGone(f"{self.path.name} was closed (dropped or replaced)")

    def close(self) -> None:
        with self._write_lock:
            self._closed = True
            self._writer.close()
            readers, self._readers = self._readers, []
        for reader in readers:
            with reader.lock:  # a query running in another thread ends first
                reader.conn.close()



def to_millis(value: Any) -> Any:
    """`value` with every datetime truncated to the millisecond, as MongoDB stores them (BSON
    dates), so that both read stores answer the same."""
    kind = type(value)
    if kind is datetime:
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if kind is dict or isinstance(value, Mapping):
        return _dict_millis(value)
    if kind is list or kind is tuple:
        return _list_millis(value)
    return value


# Called once per container, not per value: a rebuild writes millions of values.
def _dict_millis(doc: Mapping[str, Any]) -> dict[str, Any]:
    copy = {}
    for key, value in doc.items():
        kind = type(value)
        if kind is datetime:
            value = value.replace(microsecond=value.microsecond // 1000 * 1000)
        elif kind is dict:
            value = _dict_millis(value)
        elif kind is list:
            value = _list_millis(value)
        copy[key] = value
    return copy


def _list_millis(items: Sequence[Any]) -> list[Any]:
    return [to_millis(item) if type(item) in _CONTAINERS else item for item in items]


_CONTAINERS = (datetime, dict, list, tuple)
