"""A message: one aggregate each, so a busy room's history never loads as one stream."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .errors import Conflict, Forbidden
from .room import Room
from .text import Kind, bounded_text, reaction_key

MAX_BODY = 4_000
MAX_EMOJI = 64
MAX_DISTINCT_REACTIONS = 50
MAX_CLIENT_MSG_ID = 128


def validated_body(body: str) -> str:
    return bounded_text("body", body, min_len=1, max_len=MAX_BODY, kind=Kind.BODY)


def validated_emoji(emoji: str) -> str:
    return reaction_key("emoji", emoji, max_len=MAX_EMOJI)


class Message(Aggregate):
    @classmethod
    def compose(
        cls, room: Room, author_id: UUID, body: str, mentions: list[UUID],
        thread_id: UUID | None, message_id: UUID, client_msg_id: str | None = None,
    ) -> Message:
        room.ensure_member(author_id)
        return cls(
            room_id=room.id, author_id=author_id, body=validated_body(body),
            thread_id=thread_id, mentions=_members_only(room, mentions),
            client_msg_id=client_msg_id, actor_id=author_id, id=message_id,
        )

    @event("Sent")
    def __init__(
        self, room_id: UUID, author_id: UUID, body: str, thread_id: UUID | None,
        mentions: list[UUID], client_msg_id: str | None, actor_id: UUID, id: UUID,
    ):
        self.room_id = room_id
        self.author_id = author_id
        self.body: str | None = body
        self.thread_id = thread_id
        self.mentions = mentions
        self.client_msg_id = client_msg_id
        self.edits: list[dict] = []
        self.edited_at: datetime | None = None
        self.deleted = False
        self.reactions: dict[str, list[str]] = {}

    def edit(self, room: Room, body: str, mentions: list[UUID], actor_id: UUID) -> bool:
        room.ensure_member(actor_id)
        self._ensure_not_deleted()
        if actor_id != self.author_id:
            raise NotTheAuthor(self.id)
        new_body = validated_body(body)
        if new_body == self.body:
            return False
        self.trigger_event(self.Edited, room_id=self.room_id, body=new_body,
                           mentions=_members_only(room, mentions), actor_id=actor_id)
        return True

    class Edited(Aggregate.Event):
        # An explicit class because the edit history needs this event's timestamp.
        room_id: UUID
        body: str
        mentions: list[UUID]
        actor_id: UUID

        def apply(self, message: Message) -> None:
            message.edits = [*message.edits, {"body": message.body, "replaced_at": self.timestamp}]
            message.body = self.body
            message.mentions = self.mentions
            message.edited_at = self.timestamp

    def delete(self, room: Room, actor_id: UUID) -> bool:
        room.ensure_member(actor_id)
        if actor_id != self.author_id and not room.is_moderator(actor_id):
            raise NotTheAuthor(self.id)
        if self.deleted:
            return False
        self._deleted(room_id=self.room_id, actor_id=actor_id)
        return True

    @event("Deleted")
    def _deleted(self, room_id: UUID, actor_id: UUID) -> None:
        self.deleted = True
        self.body = None
        self.edits = []
        self.mentions = []
        self.reactions = {}

    def add_reaction(self, room: Room, emoji: str, actor_id: UUID) -> bool:
        room.ensure_member(actor_id)
        self._ensure_not_deleted()
        emoji = validated_emoji(emoji)
        if str(actor_id) in self.reactions.get(emoji, []):
            return False
        if emoji not in self.reactions and len(self.reactions) >= MAX_DISTINCT_REACTIONS:
            raise TooManyReactions(self.id)
        self._reaction_added(room_id=self.room_id, author_id=self.author_id, emoji=emoji, actor_id=actor_id)
        return True

    @event("ReactionAdded")
    def _reaction_added(self, room_id: UUID, author_id: UUID, emoji: str, actor_id: UUID) -> None:
        self.reactions[emoji] = [*self.reactions.get(emoji, []), str(actor_id)]

    def remove_reaction(self, room: Room, emoji: str, actor_id: UUID) -> bool:
        room.ensure_member(actor_id)
        self._ensure_not_deleted()
        if str(actor_id) not in self.reactions.get(emoji, []):
            return False
        self._reaction_removed(room_id=self.room_id, author_id=self.author_id, emoji=emoji, actor_id=actor_id)
        return True

    @event("ReactionRemoved")
    def _reaction_removed(self, room_id: UUID, author_id: UUID, emoji: str, actor_id: UUID) -> None:
        remaining = [u for u in self.reactions.get(emoji, []) if u != str(actor_id)]
        if remaining:
            self.reactions[emoji] = remaining
        else:
            self.reactions.pop(emoji, None)

    def _ensure_not_deleted(self) -> None:
        if self.deleted:
            raise MessageDeleted(self.id)


def _members_only(room: Room, mentions: list[UUID]) -> list[UUID]:
    return [m for m in dict.fromkeys(mentions) if room.is_member(m)]


class NotTheAuthor(Forbidden):
    def __init__(self, message_id: UUID):
        super().__init__(f"only the author (or a room owner/admin, for deletes) may change message {message_id}")


class MessageDeleted(Conflict):
    def __init__(self, message_id: UUID):
        super().__init__(f"message {message_id} was deleted")


class TooManyReactions(Forbidden):
    def __init__(self, message_id: UUID):
        super().__init__(f"message {message_id} already has {MAX_DISTINCT_REACTIONS} different reactions")
