"""How stored events look as BSON documents, and the queries that read them back.

An event document is {originator_id, originator_version, topic, state}; in an
application's events collection its _id is the notification id, so the mandatory
unique _id index is also the notification log's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from pymongo import ASCENDING, DESCENDING

Document = dict[str, Any]

AGGREGATE_KEY = [("originator_id", ASCENDING), ("originator_version", ASCENDING)]
AGGREGATE_KEY_INDEX_NAME = "originator_id_version_unique"


@dataclass(frozen=True)
class Query:
    """Arguments for Collection.find(); limit 0 means no limit, as in pymongo."""

    filter: Document
    sort: list[tuple[str, int]]
    limit: int = 0
    projection: Document | None = None


def event_document(event: StoredEvent) -> Document:
    # bytes become BSON binary subtype 0; a UUID becomes binary subtype 4 (standard).
    return {
        "originator_id": event.originator_id,
        "originator_version": event.originator_version,
        "topic": event.topic,
        "state": event.state,
    }


def notification_document(event: StoredEvent, notification_id: int) -> Document:
    return {"_id": notification_id, **event_document(event)}


def stored_event(document: Document) -> StoredEvent:
    return StoredEvent(
        originator_id=_originator_id(document["originator_id"]),
        originator_version=document["originator_version"],
        topic=document["topic"],
        state=bytes(document["state"]),
    )


def notification(document: Document) -> Notification:
    return Notification(
        id=document["_id"],
        originator_id=_originator_id(document["originator_id"]),
        originator_version=document["originator_version"],
        topic=document["topic"],
        state=bytes(document["state"]),
    )


def _originator_id(value: UUID | str) -> UUID | str:
    if not isinstance(value, (UUID, str)):
        raise TypeError(f"originator_id stored as {type(value).__name__}, expected a UUID or a string")
    return value


def events_query(
    originator_id: UUID | str,
    gt: int | None = None,
    lte: int | None = None,
    *,
    desc: bool = False,
    limit: int | None = None,
) -> Query:
    versions: Document = {}
    if gt is not None:
        versions["$gt"] = gt
    if lte is not None:
        versions["$lte"] = lte
    query_filter: Document = {"originator_id": originator_id}
    if versions:
        query_filter["originator_version"] = versions
    order = DESCENDING if desc else ASCENDING
    # Aggregate events carry no notification id worth shipping back.
    return Query(query_filter, [("originator_version", order)], limit or 0, projection={"_id": 0})


def notifications_query(
    start: int | None,
    limit: int,
    stop: int | None = None,
    topics: Sequence[str] = (),
    *,
    inclusive_of_start: bool = True,
) -> Query:
    ids: Document = {}
    if start is not None:
        ids["$gte" if inclusive_of_start else "$gt"] = start
    if stop is not None:
        ids["$lte"] = stop
    query_filter: Document = {}
    if ids:
        query_filter["_id"] = ids
    if topics:
        query_filter["topic"] = {"$in": list(topics)}
    return Query(query_filter, [("_id", ASCENDING)], limit)
