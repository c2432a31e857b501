"""Pages of the audit index: filters answered by its indexes, cursor paged by position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hubbub.projections.store import Document, StoredVersion

from .index import EVENTS

MAX_REQUEST_EVENTS = 1_000


@dataclass(frozen=True)
class EventFilter:
    aggregate_id: str | None = None
    actor_id: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_position: int | None = None
    newest_first: bool = True
    cursor: int | None = None  # the last position of the previous page
    limit: int = 50

    def mongo_filter(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            name: value for name in ("aggregate_id", "actor_id", "type")
            if (value := getattr(self, name)) is not None
        }
        at = _range(self.since and self.since.timestamp(), self.until and self.until.timestamp())
        if at:
            found["at_ts"] = at
        position = self._position_range()
        if position:
            found["position"] = position
        return found

    def _position_range(self) -> dict[str, int]:
        bounds = {"$gt": self.after_position} if self.after_position is not None else {}
        if self.cursor is not None:
            if self.newest_first:
                bounds["$lt"] = self.cursor
            else:
                bounds["$gt"] = max(self.cursor, self.after_position or 0)
        return bounds


def _range(since: float | None, until: float | None) -> dict[str, float]:
    bounds = {}
    if since is not None:
        bounds["$gte"] = since
    if until is not None:
        bounds["$lt"] = until
    return bounds


def page(version: StoredVersion, wanted: EventFilter) -> tuple[list[Document], int | None]:
    """One page of index documents and the cursor of the next (None on the last page)."""
    direction = -1 if wanted.newest_first else 1
    docs = version.find(EVENTS, wanted.mongo_filter(), sort=[("position", direction)], limit=wanted.limit)
    more = len(docs) == wanted.limit
    return docs, (docs[-1]["position"] if more else None)


def of_request(version: StoredVersion, correlation_id: str) -> list[Document]:
    return version.find(EVENTS, {"correlation_id": correlation_id}, sort=[("position", 1)], limit=MAX_REQUEST_EVENTS)


def last_of(version: StoredVersion, aggregate_id: str, at: datetime | None = None) -> Document | None:
    """The aggregate's last event, or its last at or before `at`; None when it has none."""
    wanted: dict[str, Any] = {"aggregate_id": aggregate_id}
    if at is not None:
        wanted["at_ts"] = {"$lte": at.timestamp()}
    found = version.find(EVENTS, wanted, sort=[("position", -1)], limit=1)
    return found[0] if found else None
