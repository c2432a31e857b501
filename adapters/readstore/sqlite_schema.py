"""Tables, indexes and full-text indexes of one read-model version in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from hubbub.projections.store import CollectionSpec
from hubbub.projections.words import words

from .sqlite_query import column, column_value

# The text column holds the document's words (projections/words.py: case- and accent-blind,
# whole words, no stemming), the ones the MongoDB store indexes too; unicode61 with diacritics
# removed gives those words back unchanged (tests/unit/test_words.py).
TOKENIZER = "unicode61 remove_diacritics 2"


def text_column() -> str:
    return '"t_text"'


def create_schema(conn: sqlite3.Connection, specs: Sequence[CollectionSpec], shape: str | None = None) -> None:
    """Tables and indexes that do not exist yet; `shape` is recorded only if the version is new."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS tracking "
                     "(one INTEGER PRIMARY KEY CHECK (one = 1), position INTEGER NOT NULL)")
        created = conn.execute("INSERT OR IGNORE INTO tracking (one, position) VALUES (1, 0)").rowcount == 1
        conn.execute("CREATE TABLE IF NOT EXISTS shape (one INTEGER PRIMARY KEY CHECK (one = 1), shape TEXT NOT NULL)")
        if created and shape is not None:
            conn.execute("INSERT INTO shape (one, shape) VALUES (1, ?)", (shape,))
        for spec in specs:
            _create_collection(conn, spec)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _create_collection(conn: sqlite3.Connection, spec: CollectionSpec) -> None:
    columns = [column(f) for f in spec.indexed_fields]
    if spec.text_field:
        columns.append(text_column())
    # rid aliases the rowid, so it survives VACUUM: the FTS index refers to it.
    extra = "".join(f", {c}" for c in columns)
    conn.execute(f'CREATE TABLE IF NOT EXISTS "{spec.name}" '
                 f"(rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc BLOB NOT NULL{extra})")
    for index in spec.indexes:
        name = f"{spec.name}__{'__'.join(index)}"
        conn.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{spec.name}" ({", ".join(column(f) for f in index)})')
    if spec.text_field:
        _create_text_index(conn, spec.name)


def _create_text_index(conn: sqlite3.Connection, table: str) -> None:
    fts, text = f"{table}__fts", text_column()
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS \"{fts}\" USING fts5({text}, content='{table}', "
        f"content_rowid='rid', tokenize='{TOKENIZER}')"
    )
    insert = f'INSERT INTO "{fts}"(rowid, {text}) VALUES (new.rid, new.{text});'
    delete = f'INSERT INTO "{fts}"("{fts}", rowid, {text}) VALUES (\'delete\', old.rid, old.{text});'
    conn.execute(f'CREATE TRIGGER IF NOT EXISTS "{table}__ai" AFTER INSERT ON "{table}" BEGIN {insert} END')
    conn.execute(f'CREATE TRIGGER IF NOT EXISTS "{table}__ad" AFTER DELETE ON "{table}" BEGIN {delete} END')
    conn.execute(f'CREATE TRIGGER IF NOT EXISTS "{table}__au" AFTER UPDATE ON "{table}" BEGIN {delete} {insert} END')


def row(doc_id: str, encoded: bytes, doc: dict, fields: tuple[str, ...], text_field: str | None) -> tuple:
    """The values of one document's row: id, encoded document, indexed fields, text."""
    values = [column_value(doc.get(name)) for name in fields]
    if text_field:
        values.append(" ".join(words(doc.get(text_field) or "")))
    return (doc_id, encoded, *values)


def upsert_sql(spec: CollectionSpec) -> str:
    columns = ["id", "doc", *(column(f) for f in spec.indexed_fields)]
    if spec.text_field:
        columns.append(text_column())
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    return (f'INSERT INTO "{spec.name}" ({", ".join(columns)}) VALUES ({",".join("?" * len(columns))}) '
            f"ON CONFLICT(id) DO UPDATE SET {updates}")
