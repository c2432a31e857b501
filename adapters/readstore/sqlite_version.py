"""One version of one projection's read model in its own SQLite file.

Each collection is a table (id, encoded document, one column per indexed field); a collection
with a text field gets an FTS5 index kept in step by triggers. The `tracking` row holds the
position, and commit() writes documents and position in one transaction: a crash (or a kill)
at any point leaves either all of a batch or none of it, with the matching position.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
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

    def __init__(self, path: Path, specs: Sequence[CollectionSpec]):
        self.path = path
        self._specs = {spec.name: spec for spec in specs}
        self._writer = connect(path)
        # Large commits (a rebuild writes hundreds of thousands of documents at once) insert into
        # indexes keyed by random ids: without room for the pages, SQLite spills and re-reads them.
        self._writer.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
        create_schema(self._writer, specs)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False

    # Writing (one projector at a time; the lock also orders commits of this process).

    def position(self) -> int:
        return self._reader().execute("SELECT position FROM tracking").fetchone()[0]

    def load(self, collection: str, ids: Iterable[str]) -> dict[str, Document]:
        wanted, found = list(ids), {}
        conn = self._reader()
        try:
            for start in range(0, len(wanted), _LOAD_CHUNK):
                chunk = wanted[start : start + _LOAD_CHUNK]
                sql = f'SELECT id, doc FROM "{collection}" WHERE id IN ({",".join("?" * len(chunk))})'
                found.update((doc_id, _decode(doc)) for doc_id, doc in conn.execute(sql, chunk))
        except sqlite3.ProgrammingError as error:
            raise self._closed_meanwhile(error) from None
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
        try:
            rows = self._reader().execute(sql, plan.params)
            return q.matching((_decode(doc) for (doc,) in rows), filter, plan.exact, limit)
        except sqlite3.ProgrammingError as error:
            raise self._closed_meanwhile(error) from None

    def count(self, collection: str, filter: Filter) -> int:
        filter = to_millis(filter)
        plan = q.plan(filter, self._specs[collection].indexed_fields)
        if plan.exact:
            sql = f'SELECT count(*) FROM "{collection}" WHERE {plan.sql_where()}'
            return self._reader().execute(sql, plan.params).fetchone()[0]
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
        try:
            rows = self._reader().execute(sql, [match, *plan.params])
            return q.matching((_decode(doc) for (doc,) in rows), filter, plan.exact, limit)
        except sqlite3.ProgrammingError as error:
            raise self._closed_meanwhile(error) from None

    def _reader(self) -> sqlite3.Connection:
        self._ensure_open()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
            with self._write_lock:
                self._readers.append(conn)
        return conn

    def _ensure_open(self) -> None:
        if self._closed:
            raise VersionGone(f"{self.path.name} was closed (dropped or replaced)")

    def close(self) -> None:
        with self._write_lock:
            self._closed = True
            for conn in [self._writer, *self._readers]:
                conn.close()
            self._readers.clear()



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
