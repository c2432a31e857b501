"""Aggregates a command returns, shown as the contract's resources."""

from __future__ import annotations

from uuid import UUID

import msgspec

from hubbub.domain.account import Account
from hubbub.domain.message import Message as MessageAggregate
from hubbub.domain.room import Room as RoomAggregate
from hubbub.domain.session import Session
from hubbub.domain.preferences import DEFAULT_MAX_WAIT_S

from .schemas.auth import Me, NotificationPrefs, NotificationPrefsChanged, QuietHours, SessionOut
from .schemas.messages import Message
from .schemas.rooms import Member, Room


def room_out(room: RoomAggregate, position: int) -> Room:
    members = [Member(UUID(user_id), m["role"], m["joined_at"]) for user_id, m in room.members.items()]
    return Room(
        room_id=room.id, kind=room.kind, name=room.name, topic=room.topic, private=room.private,
        created_at=room.created_on, members=members, pinned=[UUID(p) for p in room.pinned], position=position,
    )


def message_out(message: MessageAggregate, position: int) -> Message:
    return Message(
        message_id=message.id, room_id=message.room_id, author_id=message.author_id, body=message.body,
        thread_id=message.thread_id, mentions=list(message.mentions),
        reactions={emoji: [UUID(u) for u in users] for emoji, users in message.reactions.items()},
        edited_at=message.edited_at, deleted=message.deleted, created_at=message.created_on, position=position,
    )


def prefs_out(prefs: dict) -> NotificationPrefs:
    quiet = prefs.get("quiet_hours")
    return NotificationPrefs(
        digest_window_s=prefs["digest_window_s"], quiet_hours=QuietHours(**quiet) if quiet else None,
        categories=list(prefs["categories"]), max_wait_s=prefs.get("max_wait_s", DEFAULT_MAX_WAIT_S),
    )


def prefs_changed_out(prefs: dict, position: int) -> NotificationPrefsChanged:
    return NotificationPrefsChanged(**msgspec.structs.asdict(prefs_out(prefs)), position=position)


def me_out(account: Account) -> Me:
    return Me(
        user_id=account.id, username=account.username, display_name=account.display_name,
        roles=list(account.roles), notification_prefs=prefs_out(account.notification_prefs),
    )


def session_out(session: Session, current_session_id: UUID) -> SessionOut:
    return SessionOut(
        session_id=session.id, device_name=session.device_name, created_at=session.created_on,
        last_used_at=session.last_used_at, current=session.id == current_session_id,
    )
