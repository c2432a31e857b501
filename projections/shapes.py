"""Turning stored documents (ids as strings) into query answers (ids as UUIDs)."""

from __future__ import annotations

from typing import Any
from uuid import UUID


def uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def uuids(values: list[str]) -> list[UUID]:
    return [UUID(v) for v in values]


def with_uuids(doc: dict[str, Any] | None, *fields: str) -> dict[str, Any] | None:
    if doc is None:
        return None
    return {**doc, **{f: uuid(doc.get(f)) for f in fields if f in doc}}


def message_preview(last: dict[str, Any] | None) -> dict[str, Any] | None:
    return with_uuids(last, "message_id", "author_id", "thread_id")
