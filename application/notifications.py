"""The notification inbox (marking notifications read, one by one or all at once) and broadcasts."""

from __future__ import annotations

from uuid import UUID

from hubbub.domain.account import Account
from hubbub.domain.broadcast import Broadcast
from hubbub.domain.inbox import Inbox, inbox_id

from . import commands as c
from .context import CommandContext
from .staged import Staged, Workspace


def handlers() -> dict:
    return {
        c.MarkNotificationsRead: mark_read, c.MarkAllNotificationsRead: mark_all_read,
        c.Broadcast: broadcast,
    }


def mark_read(command: c.MarkNotificationsRead, context: CommandContext, ws: Workspace) -> Staged:
    """Answers the position; ids already read (or not the caller's) change nothing."""
    inbox = _inbox(ws, context.actor_id)
    inbox.mark_read(command.notification_ids)
    return Staged(context, (inbox,), lambda position: position)


def mark_all_read(command: c.MarkAllNotificationsRead, context: CommandContext, ws: Workspace) -> Staged:
    """Everything notified up to `up_to_position` (default: the head) is read.
    Answers (read_up_to, position); a position past the head is clamped to it."""
    head = ws.head()
    wanted = head if command.up_to_position is None else command.up_to_position
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        wanted = min(wanted, head)  # anything else is refused by the domain
    inbox = _inbox(ws, context.actor_id)
    inbox.mark_all_read(wanted)
    return Staged(context, (inbox,), lambda position: (inbox.read_up_to, position))


def broadcast(command: c.Broadcast, context: CommandContext, ws: Workspace) -> Staged:
    """An admin's announcement; the inbox projection delivers it. Answers (broadcast_id, position)."""
    sender = ws.load(Account, context.actor_id, for_change=False)
    announcement = Broadcast.announce(sender, command.category, command.title, command.body, command.priority)
    return Staged(context, (announcement,), lambda position: (announcement.id, position))


def _inbox(ws: Workspace, user_id: UUID) -> Inbox:
    # Opened by the first command; its Opened event is appended with that command's event.
    return ws.find(Inbox, inbox_id(user_id)) or Inbox.open(user_id)
