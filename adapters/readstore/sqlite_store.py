"""The embedded read store: one SQLite file per read-model version, and a catalog naming the
version that serves each projection.

Why SQLite and not an in-process pymongo look-alike: see projections/README.md ("Read store").
A rebuild in another process (the CLI) switches the catalog; this process notices within
CATALOG_TTL_S, because every query and every projector round asks the catalog first, and the
answer is remembered that long (asked per query, the catalog's one connection became the
busiest lock of the read path). The rebuild leaves the old version in place for a grace period
longer than that, and a query that still finds it gone is retried on the new one.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from hubbub.projections.store import CollectionSpec, VersionGone

from .sqlite_lease import SQLiteBackground
from .sqlite_version import SQLiteVersion, connect

CATALOG_TTL_S = 0.5
_VERSION_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.sqlite3$")


class SQLiteReadStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._catalog = connect(self.directory / "catalog.sqlite3")
        self._catalog.execute("CREATE TABLE IF NOT EXISTS catalog (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        self._opened: dict[tuple[str, int], SQLiteVersion] = {}
        self._remembered: dict[str, tuple[int | None, float]] = {}
        self._background: SQLiteBackground | None = None

    def active_version(self, name: str) -> int | None:
        remembered = self._remembered.get(name)
        if remembered is not None and time.monotonic() - remembered[1] < CATALOG_TTL_S:
            return remembered[0]
        with self._lock:
            row = self._catalog.execute("SELECT version FROM catalog WHERE name = ?", (name,)).fetchone()
        version = row[0] if row else None
        self._remembered[name] = (version, time.monotonic())
        return version

    def versions(self, name: str) -> list[int]:
        found = (_VERSION_FILE.match(p.name) for p in self.directory.iterdir())
        return sorted(int(m["version"]) for m in found if m and m["name"] == name)

    def open(self, name: str, version: int, specs: Sequence[CollectionSpec], create: bool = False,
             shape: str | None = None) -> SQLiteVersion:
        path = self._path(name, version)
        with self._lock:
            opened = self._opened.get((name, version))
            if opened is None:
                if not create and not path.exists():
                    raise VersionGone(f"read model {name} v{version} does not exist")
                opened = self._opened[(name, version)] = SQLiteVersion(path, specs, shape if create else None)
            return opened

    def activate(self, versions: Mapping[str, int]) -> None:
        with self._lock:
            self._catalog.execute("BEGIN IMMEDIATE")
            try:
                self._catalog.executemany(
                    "INSERT INTO catalog (name, version) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET version = excluded.version",
                    list(versions.items()),
                )
                self._catalog.execute("COMMIT")
            except BaseException:
                self._catalog.execute("ROLLBACK")
                raise
            finally:
                self._remembered.clear()

    def release(self, name: str, version: int) -> None:
        """Close this process's handle on a version (it stays on disk)."""
        with self._lock:
            opened = self._opened.pop((name, version), None)
        if opened is not None:
            opened.close()

    def drop(self, name: str, version: int) -> None:
        if self.active_version(name) == version:
            raise ValueError(f"read model {name} v{version} is serving: activate another version first")
        self.release(name, version)
        path = self._path(name, version)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def lease(self) -> SQLiteBackground:
        return self._shared_background()

    def positions(self) -> SQLiteBackground:
        return self._shared_background()

    def _shared_background(self) -> SQLiteBackground:
        with self._lock:
            if self._background is None:
                self._background = SQLiteBackground(self.directory)
            return self._background

    def close(self) -> None:
        with self._lock:
            opened, self._opened = list(self._opened.values()), {}
            background, self._background = self._background, None
        if background is not None:
            background.close()
        for version in opened:
            version.close()
        self._catalog.close()

    def _path(self, name: str, version: int) -> Path:
        return self.directory / f"{name}.v{version}.sqlite3"
