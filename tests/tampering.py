"""Someone with write access to the event store's database, changing it behind hubbub's back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any, Protocol


class Tamperer(Protocol):
    def edit(self, position: int) -> None: ...

    def delete(self, position: int) -> None: ...

    def swap(self, first: int, second: int) -> None: ...

    def truncate(self, first: int) -> None: ...


class SQLiteTamperer:
    def __init__(self, path: str, table: str):
        self.path, self.table = path, table

    def _run(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        with closing(sqlite3.connect(self.path)) as conn, conn:
            for sql, params in statements:
                conn.execute(sql, params)

    def edit(self, position: int) -> None:
        self._run((f"UPDATE {self.table} SET state = CAST(state || x'00' AS BLOB) WHERE rowid = ?", (position,)))

    def delete(self, position: int) -> None:
        self._run((f"DELETE FROM {self.table} WHERE rowid = ?", (position,)))

    def swap(self, first: int, second: int) -> None:
        self._run((f"UPDATE {self.table} SET rowid = -1 WHERE rowid = ?", (first,)),
                  (f"UPDATE {self.table} SET rowid = ? WHERE rowid = ?", (first, second)),
                  (f"UPDATE {self.table} SET rowid = ? WHERE rowid = -1", (second,)))

    def truncate(self, first: int) -> None:
        self._run((f"DELETE FROM {self.table} WHERE rowid >= ?", (first,)))


class PostgresTamperer:
    def __init__(self, dsn: str, schema: str, table: str):
        self.dsn, self.table = dsn, f'"{schema}"."{table}"'

    def _run(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        import psycopg

        with psycopg.connect(self.dsn) as conn, conn.transaction():
            for sql, params in statements:
                conn.execute(sql, params)

    def edit(self, position: int) -> None:
        self._run((f"UPDATE {self.table} SET state = state || '\\x00'::bytea WHERE notification_id = %s", (position,)))

    def delete(self, position: int) -> None:
        self._run((f"DELETE FROM {self.table} WHERE notification_id = %s", (position,)))

    def swap(self, first: int, second: int) -> None:
        self._run((f"UPDATE {self.table} SET notification_id = -1 WHERE notification_id = %s", (first,)),
                  (f"UPDATE {self.table} SET notification_id = %s WHERE notification_id = %s", (first, second)),
                  (f"UPDATE {self.table} SET notification_id = %s WHERE notification_id = -1", (second,)))

    def truncate(self, first: int) -> None:
        self._run((f"DELETE FROM {self.table} WHERE notification_id >= %s", (first,)))
