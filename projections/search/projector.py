"""Keeps one searchable text per live message; a deleted message leaves the index."""

from __future__ import annotations

from typing import Any

from hubbub.projections import topics as t
from hubbub.projections.runtime.batch import Batch
from hubbub.projections.erasure import ERASED, rewrite
from hubbub.projections.projector import Projector
from hubbub.projections.store import CollectionSpec

TEXTS = "texts"


class SearchProjector(Projector):
    name = "search"
    shape = "2"  # 2: the words of each text kept beside it (`_words` on MongoDB)
    collections = (CollectionSpec(TEXTS, indexes=(("room_id", "position"),), text_field="body"),)
    write_once = frozenset({TEXTS})
    handles = {t.MESSAGE_SENT: "sent", t.MESSAGE_EDITED: "edited", t.MESSAGE_DELETED: "deleted",
               t.ERASURE_REQUESTED: "erased"}

    def wants(self, topic: str, event: Any) -> list[tuple[str, str]]:
        return [(TEXTS, str(event.originator_id))] if topic == t.MESSAGE_EDITED else []

    def sent(self, event: Any, position: int, batch: Batch) -> None:
        if event.body == ERASED:
            return  # an erased text is not searchable, not even for the word "erased"
        batch.put(TEXTS, {
            "_id": str(event.originator_id), "room_id": str(event.room_id), "position": position,
            "author_id": str(event.author_id), "body": event.body,
            "thread_id": str(event.thread_id) if event.thread_id else None, "created_at": event.timestamp,
        })

    def edited(self, event: Any, position: int, batch: Batch) -> None:
        if batch.get(TEXTS, str(event.originator_id)) is None:
            return
        if event.body == ERASED:
            batch.delete(TEXTS, str(event.originator_id))
        else:
            batch.edit(TEXTS, str(event.originator_id)).update(body=event.body, edited_at=event.timestamp)

    def deleted(self, event: Any, position: int, batch: Batch) -> None:
        batch.delete(TEXTS, str(event.originator_id))

    def erased(self, event: Any, position: int, batch: Batch) -> None:
        rewrite(batch, TEXTS, {"author_id": str(event.user_id)}, lambda text: batch.delete(TEXTS, text["_id"]))
