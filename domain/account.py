"""An account: who someone is, what they may do, and which of their sessions are live."""

from __future__ import annotations

import re
from copy import deepcopy
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from . import preferences
from .errors import Conflict, InvalidInput
from .ids import account_id
from .text import Kind, bounded_text

MIN_USERNAME, MAX_USERNAME = 3, 32
USERNAME_PATTERN = re.compile(rf"[a-z0-9_.-]{{{MIN_USERNAME},{MAX_USERNAME}}}")
MAX_DISPLAY_NAME = 64
MAX_LIVE_SESSIONS = 5
MIN_PASSWORD = 8
MAX_PASSWORD = 128
ROLES = ("user", "admin")


def normalised_username(raw: str) -> str:
    username = raw.strip().lower() if isinstance(raw, str) else ""
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput("username", "must be 3–32 characters of [a-z0-9_.-]")
    return username


def validated_password(password: str) -> str:
    """The rule for a new password; its hash, not the password, is what the account keeps."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput("password", f"must be {MIN_PASSWORD}–{MAX_PASSWORD} characters")
    return password


class Account(Aggregate):
    @classmethod
    def register(cls, username: str, display_name: str | None, password_hash: str) -> Account:
        name = normalised_username(username)
        shown = bounded_text("display_name", display_name or name, min_len=1, max_len=MAX_DISPLAY_NAME, kind=Kind.NAME)
        new_id = account_id(name)
        return cls(username=name, display_name=shown, password_hash=password_hash, actor_id=new_id, id=new_id)

    @event("Registered")
    def __init__(self, username: str, display_name: str, password_hash: str, actor_id: UUID, id: UUID):
        self.username = username
        self.display_name = display_name
        self.password_hash = password_hash
        self.roles = ["user"]
        self.notification_prefs = deepcopy(preferences.DEFAULT_PREFERENCES)
        self.live_sessions: list[str] = []

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def promote_to_admin(self, actor_id: UUID) -> bool:
        if self.is_admin:
            return False
        self._role_granted(role="admin", actor_id=actor_id)
        return True

    @event("RoleGranted")
    def _role_granted(self, role: str, actor_id: UUID) -> None:
        self.roles = [*self.roles, role]

    def change_password_hash(self, password_hash: str) -> None:
        self._password_hash_changed(password_hash=password_hash, actor_id=self.id)

    @event("PasswordHashChanged")
    def _password_hash_changed(self, password_hash: str, actor_id: UUID) -> None:
        self.password_hash = password_hash

    def update_notification_prefs(
        self,
        digest_window_s: int | None = None,
        quiet_hours: dict | None = None,
        max_wait_s: int | None = None,
        clear_quiet_hours: bool = False,
        categories: list[str] | None = None,
    ) -> bool:
        prefs = deepcopy(self.notification_prefs)
        if digest_window_s is not None:
            prefs["digest_window_s"] = preferences.validated_digest_window(digest_window_s)
        if max_wait_s is not None:
            prefs["max_wait_s"] = preferences.validated_max_wait(max_wait_s)
        if quiet_hours is not None or clear_quiet_hours:
            prefs["quiet_hours"] = preferences.validated_quiet_hours(quiet_hours)
        if categories is not None:
            prefs["categories"] = preferences.validated_categories(categories)
        if prefs == self.notification_prefs:
            return False
        self._prefs_changed(prefs=prefs, actor_id=self.id)
        return True

    def subscribe_category(self, category: str, subscribed: bool) -> bool:
        current = self.notification_prefs["categories"]
        wanted = preferences.validated_category(category)
        if (wanted in current) == subscribed:
            return False
        updated = [*current, wanted] if subscribed else [c for c in current if c != wanted]
        return self.update_notification_prefs(categories=updated)

    @event("NotificationPrefsChanged")
    def _prefs_changed(self, prefs: dict, actor_id: UUID) -> None:
        self.notification_prefs = prefs

    def open_session(self, session_id: UUID) -> list[UUID]:
        """Record a new live session; returns the sessions evicted to stay within the limit."""
        live = [*self.live_sessions, str(session_id)]
        evicted = live[: max(0, len(live) - MAX_LIVE_SESSIONS)]
        self._session_opened(session_id=session_id, evicted=[UUID(s) for s in evicted], actor_id=self.id)
        return [UUID(s) for s in evicted]

    @event("SessionOpened")
    def _session_opened(self, session_id: UUID, evicted: list[UUID], actor_id: UUID) -> None:
        gone = {str(s) for s in evicted}
        self.live_sessions = [s for s in self.live_sessions if s not in gone] + [str(session_id)]

    def close_session(self, session_id: UUID, reason: str, actor_id: UUID) -> bool:
        if str(session_id) not in self.live_sessions:
            return False
        self._session_closed(session_id=session_id, reason=reason, actor_id=actor_id)
        return True

    @event("SessionClosed")
    def _session_closed(self, session_id: UUID, reason: str, actor_id: UUID) -> None:
        self.live_sessions = [s for s in self.live_sessions if s != str(session_id)]


class UsernameTaken(Conflict):
    def __init__(self, username: str):
        super().__init__(f"username {username!r} is taken")
