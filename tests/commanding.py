"""Short calls for tests: each builds one command and calls the bus, as a transport would."""

from __future__ import annotations

from uuid import UUID

from hubbub.application import commands as c
from hubbub.application.accounts import VerifiedSignIn
from hubbub.application.context import CommandContext


class Do:
    def __init__(self, services):
        self.bus = services.commands

    def register(self, username: str, password: str, display_name: str | None = None):
        return self.bus.call(c.Register(username, password, display_name))

    def open_session(self, user_id: UUID, device_name: str | None = None):
        return self.bus.call(VerifiedSignIn(user_id, device_name))

    def rotate_session(self, session_id: UUID, token_id: str):
        return self.bus.call(c.Refresh(session_id, token_id))

    def revoke_session(self, context: CommandContext, session_id: UUID, reason: str = "logout"):
        return self.bus.call(c.RevokeSession(session_id, reason), context)

    def promote(self, context: CommandContext, username: str):
        return self.bus.call(c.Promote(username), context)

    def update_notification_prefs(self, context: CommandContext, **changes):
        return self.bus.call(c.UpdateNotificationPrefs(changes), context)

    def set_category_subscription(self, context: CommandContext, category: str, subscribed: bool):
        return self.bus.call(c.SetCategorySubscription(category, subscribed), context)

    def create(self, context: CommandContext, kind: str, member_ids: list[UUID], name: str | None = None,
               topic: str | None = None, private: bool = False):
        return self.bus.call(c.CreateRoom(kind, member_ids, name, topic, private), context)

    def add_members(self, context: CommandContext, room_id: UUID, user_ids: list[UUID]):
        return self.bus.call(c.AddMembers(room_id, user_ids), context)

    def remove_member(self, context: CommandContext, room_id: UUID, user_id: UUID):
        return self.bus.call(c.RemoveMember(room_id, user_id), context)

    def set_muted(self, context: CommandContext, room_id: UUID, muted: bool):
        return self.bus.call(c.SetMuted(room_id, muted), context)

    def pin(self, context: CommandContext, room_id: UUID, message_id: UUID):
        return self.bus.call(c.Pin(room_id, message_id), context)

    def unpin(self, context: CommandContext, room_id: UUID, message_id: UUID):
        return self.bus.call(c.Unpin(room_id, message_id), context)

    def send(self, context: CommandContext, room_id: UUID, body: str, client_msg_id: str | None = None,
             thread_id: UUID | None = None):
        return self.bus.call(c.SendMessage(room_id, body, client_msg_id, thread_id), context)

    def edit(self, context: CommandContext, room_id: UUID, message_id: UUID, body: str):
        return self.bus.call(c.EditMessage(room_id, message_id, body), context)

    def delete(self, context: CommandContext, room_id: UUID, message_id: UUID):
        return self.bus.call(c.DeleteMessage(room_id, message_id), context)

    def add_reaction(self, context: CommandContext, room_id: UUID, message_id: UUID, emoji: str):
        return self.bus.call(c.AddReaction(room_id, message_id, emoji), context)

    def remove_reaction(self, context: CommandContext, room_id: UUID, message_id: UUID, emoji: str):
        return self.bus.call(c.RemoveReaction(room_id, message_id, emoji), context)

    def mark_read(self, context: CommandContext, room_id: UUID, up_to_position: int):
        return self.bus.call(c.MarkRead(room_id, up_to_position), context)

    def mark_notifications_read(self, context: CommandContext, notification_ids: list[UUID]):
        return self.bus.call(c.MarkNotificationsRead(notification_ids), context)

    def mark_all_notifications_read(self, context: CommandContext, up_to_position: int | None = None):
        return self.bus.call(c.MarkAllNotificationsRead(up_to_position), context)

    def broadcast(self, context: CommandContext, category: str, title: str, body: str, priority: str):
        return self.bus.call(c.Broadcast(category, title, body, priority), context)
