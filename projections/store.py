"""The read store as projections see it: documents in named collections, one version at a time.

A projection's read model lives in a *version*: its collections plus the position of the last
event folded into them. Writes and position move together in one atomic commit, which is what
makes a projector exactly-once. A rebuild fills a fresh version while the active one keeps
serving, then the catalog switches to it in one step (blue/green).

Documents are plain values (str, int, float, bool, None, datetime, list, dict with str keys);
datetimes are kept to the millisecond (MongoDB's BSON dates), by every adapter.
Filters and sorts are a subset of pymongo's: adapters must give MongoDB's meaning to whatever
they accept, and refuse what they cannot answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .runtime.consumer import ConsumerPositions
    from .runtime.lease import BackgroundLease

Document = dict[str, Any]
Filter = Mapping[str, Any]
Sort = Sequence[tuple[str, int]]
# collection -> document id -> new document, or None to delete it
Writes = Mapping[str, Mapping[str, Document | None]]


@dataclass(frozen=True)
class CollectionSpec:
    """A collection and what its queries need: indexes (field tuples) and one full-text field."""

    name: str
    indexes: tuple[tuple[str, ...], ...] = ()
    text_field: str | None = None

    @property
    def indexed_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for index in self.indexes for f in index))


class PositionConflict(Exception):
    """Another writer moved this version's position first: nothing of ours was written."""


class VersionGone(Exception):
    """The version was dropped (a rebuild replaced it)."""


class StoredVersion(Protocol):
    """One version of one projection's read model."""

    def position(self) -> int:
        """The position of the last event whose effects are committed (0 when fresh)."""

    def shape(self) -> str | None:
        """The shape of documents this version was created for (Projector.shape); None when it
        was created without one, as every version was before shapes were recorded."""

    def load(self, collection: str, ids: Iterable[str]) -> dict[str, Document]:
        """Committed documents by id; ids that do not exist are absent from the answer."""

    def commit(self, writes: Writes, expected: int, position: int) -> None:
        """Apply every write and move the position from `expected` to `position`, atomically.

        Raises PositionConflict (and writes nothing) when the stored position is not `expected`.
        """

    def find_one(self, collection: str, doc_id: str) -> Document | None: ...

    def find(self, collection: str, filter: Filter, sort: Sort = (), limit: int = 0) -> list[Document]: ...

    def count(self, collection: str, filter: Filter) -> int: ...

    def text_search(
        self, collection: str, terms: Sequence[str], filter: Filter, sort: Sort = (), limit: int = 0
    ) -> list[Document]:
        """Documents whose text field contains every term (whole words, case- and accent-blind)."""

    def close(self) -> None: ...


class ReadStore(Protocol):
    """Every projection's versions, and the catalog naming the one that serves."""

    def active_version(self, name: str) -> int | None: ...

    def versions(self, name: str) -> list[int]: ...

    def open(self, name: str, version: int, specs: Sequence[CollectionSpec], create: bool = False,
             shape: str | None = None) -> StoredVersion:
        """The same object for the same version; VersionGone when it does not exist and not `create`.

        `shape` is recorded with the version when this call creates it, never on an existing one.
        """

    def activate(self, versions: Mapping[str, int]) -> None:
        """Make these versions the serving ones, all in one atomic step."""

    def release(self, name: str, version: int) -> None:
        """Close this process's handle on a version, leaving its data in place."""

    def drop(self, name: str, version: int) -> None:
        """Delete an inactive version's data."""

    def lease(self) -> BackgroundLease:
        """The background lease and heartbeat record, shared by every process on this store."""

    def positions(self) -> ConsumerPositions:
        """Positions of log consumers that keep no documents (a relay, audit)."""

    def close(self) -> None: ...
