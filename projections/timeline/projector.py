"""Folds message events into one document per message, keyed for cursor pagination by position."""

from __future__ import annotations

from typing import Any

from hubbub.projections import topics as t
from hubbub.projections.runtime.batch import Batch
from hubbub.projections.erasure import ERASED, rewrite
from hubbub.projections.projector import Projector
from hubbub.projections.store import CollectionSpec

MESSAGES = "messages"


class TimelineProjector(Projector):
    name = "timeline"
    shape = "1"
    collections = (CollectionSpec(MESSAGES, indexes=(("room_id", "position"), ("thread_id", "position"))),)
    write_once = frozenset({MESSAGES})
    handles = {
        t.MESSAGE_SENT: "sent", t.MESSAGE_EDITED: "edited", t.MESSAGE_DELETED: "deleted",
        t.REACTION_ADDED: "reaction_added", t.REACTION_REMOVED: "reaction_removed",
        t.ERASURE_REQUESTED: "erased",
    }

    def wants(self, topic: str, event: Any) -> list[tuple[str, str]]:
        if topic == t.ERASURE_REQUESTED:
            return []
        if topic == t.MESSAGE_SENT:
            return [(MESSAGES, str(event.thread_id))] if event.thread_id else []
        return [(MESSAGES, str(event.originator_id))]

    def sent(self, event: Any, position: int, batch: Batch) -> None:
        thread_id = str(event.thread_id) if event.thread_id else None
        batch.put(MESSAGES, {
            "_id": str(event.originator_id), "room_id": str(event.room_id), "position": position,
            "author_id": str(event.author_id), "body": event.body, "thread_id": thread_id,
            "mentions": [str(m) for m in event.mentions], "reactions": [], "edited_at": None,
            "deleted": False, "created_at": event.timestamp, "client_msg_id": event.client_msg_id,
            "reply_count": 0, "last_reply_at": None,
        })
        if thread_id and batch.get(MESSAGES, thread_id) is not None:
            root = batch.edit(MESSAGES, thread_id)
            root["reply_count"] += 1
            root["last_reply_at"] = event.timestamp

    def edited(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.edit(MESSAGES, str(event.originator_id))
        message.update(body=event.body, mentions=[str(m) for m in event.mentions], edited_at=event.timestamp)

    def deleted(self, event: Any, position: int, batch: Batch) -> None:
        # The message keeps its place (and its thread's reply count) with its content gone.
        message = batch.edit(MESSAGES, str(event.originator_id))
        message.update(body=None, mentions=[], reactions=[], deleted=True)

    def reaction_added(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.edit(MESSAGES, str(event.originator_id))
        # [emoji, [user ids]] pairs in order of first use: emoji are data, not field names.
        reactions = [[emoji, list(users)] for emoji, users in message["reactions"]]
        for pair in reactions:
            if pair[0] == event.emoji:
                pair[1].append(str(event.actor_id))
                break
        else:
            reactions.append([event.emoji, [str(event.actor_id)]])
        message["reactions"] = reactions

    def reaction_removed(self, event: Any, position: int, batch: Batch) -> None:
        message = batch.edit(MESSAGES, str(event.originator_id))
        actor = str(event.actor_id)
        reactions = [[emoji, [u for u in users if u != actor] if emoji == event.emoji else users]
                     for emoji, users in message["reactions"]]
        message["reactions"] = [pair for pair in reactions if pair[1]]

    def erased(self, event: Any, position: int, batch: Batch) -> None:
        rewrite(batch, MESSAGES, {"author_id": str(event.user_id), "body": {"$ne": None}},
                lambda message: message.update(body=ERASED))
