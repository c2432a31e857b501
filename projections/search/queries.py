"""Search: every word of the query, whole words, case- and accent-blind, newest first.

Ranked by recency rather than relevance because the two stores score relevance differently
(MongoDB's textScore, SQLite's bm25), and the same query must give the same answer on both.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hubbub.projections.shapes import as_uuid, uuid
from hubbub.projections.store import StoredVersion
from hubbub.projections.words import words

from .projector import TEXTS

MAX_TERMS = 10


def terms(query: str) -> list[str]:
    return list(dict.fromkeys(words(query)))[:MAX_TERMS]


def search(view: StoredVersion, room_ids: list[UUID], query: str, limit: int) -> list[dict[str, Any]]:
    words = terms(query)
    if not words or not room_ids:
        return []
    found = view.text_search(TEXTS, words, {"room_id": {"$in": [str(r) for r in room_ids]}},
                             sort=[("position", -1)], limit=limit)
    return [_shaped(doc) for doc in found]


def _shaped(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": as_uuid(doc["_id"]), "room_id": as_uuid(doc["room_id"]), "author_id": as_uuid(doc["author_id"]),
        "body": doc["body"], "thread_id": uuid(doc["thread_id"]), "created_at": doc["created_at"],
        "edited_at": doc.get("edited_at"), "position": doc["position"],
    }
