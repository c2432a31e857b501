"""The notification inbox: marking notifications read, one by one or all at once."""

from __future__ import annotations

from uuid import UUID

from hubbub.domain.account import Account
from hubbub.domain.broadcast import Broadcast
from hubbub.domain.inbox import Inbox, inbox_id

from .app import Hubbub
from .concurrency import with_retries
from .context import CommandContext


class NotificationService:
    def __init__(self, app: Hubbub):
        self.app = app

    def mark_read(self, context: CommandContext, notification_ids: list[UUID]) -> int:
        """Returns the position; ids already read (or not the caller's) change nothing."""

        def command() -> int:
            inbox = self._inbox(context.actor_id)
            inbox.mark_read(notification_ids)
            return self.app.commit(context, inbox)

        return with_retries(command)

    def mark_all_read(self, context: CommandContext, up_to_position: int | None = None) -> tuple[int, int]:
        """Everything notified up to `up_to_position` (default: the head) is read.
        Returns (read_up_to, position); a position past the head is clamped to it."""
        head = self.app.head()
        wanted = head if up_to_position is None else up_to_position
        if isinstance(wanted, int) and not isinstance(wanted, bool):
            wanted = min(wanted, head)  # anything else is refused by the domain

        def command() -> tuple[int, int]:
            inbox = self._inbox(context.actor_id)
            inbox.mark_all_read(wanted)
            return inbox.read_up_to, self.app.commit(context, inbox)

        return with_retries(command)

    def broadcast(
        self, context: CommandContext, category: str, title: str, body: str, priority: str,
    ) -> tuple[UUID, int]:
        """An admin's announcement; the inbox projection delivers it. Returns (broadcast_id, position)."""
        sender = self.app.load(Account, context.actor_id)
        announcement = Broadcast.announce(sender, category, title, body, priority)
        return announcement.id, self.app.commit(context, announcement)

    def _inbox(self, user_id: UUID) -> Inbox:
        # Opened by the first command; its Opened event is saved with that command's event.
        inbox_key = inbox_id(user_id)
        return self.app.find(Inbox, inbox_key) or Inbox.open(user_id)
