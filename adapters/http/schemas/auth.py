"""Accounts, tokens, sessions and notification preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from hubbub.domain.preferences import MAX_CATEGORIES, MAX_DIGEST_WINDOW_S

from .common import Category, ClockTime, DeviceName, DisplayName, LoginField, Password, Token, Username


class Registration(msgspec.Struct):
    username: Username
    password: Password
    display_name: DisplayName | None = None


class Registered(msgspec.Struct):
    user_id: UUID
    username: str
    position: int


class Credentials(msgspec.Struct):
    username: LoginField
    password: LoginField
    device_name: DeviceName | None = None


class PasswordChange(msgspec.Struct):
    current_password: LoginField
    new_password: Password


class RefreshRequest(msgspec.Struct):
    refresh_token: Token


class TokenPairOut(msgspec.Struct, omit_defaults=True):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    position: int | None = None


class QuietHours(msgspec.Struct):
    start: ClockTime
    end: ClockTime
    tz: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "UTC"


class NotificationPrefs(msgspec.Struct):
    digest_window_s: int
    quiet_hours: QuietHours | None
    categories: list[str]
    max_wait_s: int = 60


class NotificationPrefsChanged(NotificationPrefs, kw_only=True):
    position: int


class NotificationPrefsUpdate(msgspec.Struct):
    digest_window_s: Annotated[int, msgspec.Meta(ge=0, le=MAX_DIGEST_WINDOW_S)] | UnsetType = UNSET
    max_wait_s: Annotated[int, msgspec.Meta(ge=0, le=MAX_DIGEST_WINDOW_S)] | UnsetType = UNSET
    quiet_hours: QuietHours | None | UnsetType = UNSET
    categories: Annotated[list[Category], msgspec.Meta(max_length=MAX_CATEGORIES)] | UnsetType = UNSET


class Me(msgspec.Struct):
    user_id: UUID
    username: str
    display_name: str
    roles: list[str]
    notification_prefs: NotificationPrefs


class SessionOut(msgspec.Struct):
    session_id: UUID
    device_name: str | None
    created_at: datetime
    last_used_at: datetime
    current: bool
