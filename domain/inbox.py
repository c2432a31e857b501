"""A user's notification inbox: which notifications they have read.

Reading is a command, not a read-model write, so it survives a rebuild of the inbox read model:
the projection replays these events after the notifications they mark. Notifications
themselves are derived from other events; their ids are deterministic (source event position
and recipient) so every rebuild gives the same ids.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from .errors import InvalidInput

MAX_IDS_PER_COMMAND = 100
# Ids read one by one are remembered only to refuse repeats; a read-all makes them moot.
MAX_REMEMBERED_IDS = 1_000


def inbox_id(user_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/inboxes/{user_id}")


def notification_id(source_position: int, recipient_id: UUID | str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/notifications/{source_position}/{recipient_id}")


def validated_ids(notification_ids: list[UUID]) -> list[UUID]:
    if not isinstance(notification_ids, list) or not all(isinstance(i, UUID) for i in notification_ids):
        raise InvalidInput("notification_ids", "must be a list of notification ids")
    if not 1 <= len(notification_ids) <= MAX_IDS_PER_COMMAND:
        raise InvalidInput("notification_ids", f"give 1–{MAX_IDS_PER_COMMAND} ids")
    return list(dict.fromkeys(notification_ids))


class Inbox(Aggregate):
    @classmethod
    def open(cls, user_id: UUID) -> Inbox:
        return cls(user_id=user_id, actor_id=user_id, id=inbox_id(user_id))

    @event("Opened")
    def __init__(self, user_id: UUID, actor_id: UUID, id: UUID):
        self.user_id = user_id
        self.read_up_to = 0
        self.read_ids: list[str] = []

    def mark_read(self, notification_ids: list[UUID]) -> bool:
        unread = [i for i in validated_ids(notification_ids) if str(i) not in self.read_ids]
        if not unread:
            return False
        self._read(user_id=self.user_id, notification_ids=unread, actor_id=self.user_id)
        return True

    @event("NotificationsRead")
    def _read(self, user_id: UUID, notification_ids: list[UUID], actor_id: UUID) -> None:
        self.read_ids = [*self.read_ids, *(str(i) for i in notification_ids)][-MAX_REMEMBERED_IDS:]

    def mark_all_read(self, up_to_position: int) -> bool:
        """Everything notified up to this position is read; never moves back."""
        if isinstance(up_to_position, bool) or not isinstance(up_to_position, int) or up_to_position < 0:
            raise InvalidInput("up_to_position", "must be a non-negative integer")
        if up_to_position <= self.read_up_to:
            return False
        self._all_read(user_id=self.user_id, up_to_position=up_to_position, actor_id=self.user_id)
        return True

    @event("AllRead")
    def _all_read(self, user_id: UUID, up_to_position: int, actor_id: UUID) -> None:
        self.read_up_to = up_to_position
        self.read_ids = []
