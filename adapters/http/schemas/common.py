"""Constrained field types the resources share; the limits are the domain's (../shared/api.md)."""

from __future__ import annotations

from typing import Annotated

import msgspec

# Positions are stored as signed 64-bit integers (SQLite, PostgreSQL BIGINT, MongoDB int64).
MAX_POSITION = 2**63 - 1

from hubbub.domain.account import MAX_DISPLAY_NAME, MAX_PASSWORD, MAX_USERNAME, MIN_PASSWORD, MIN_USERNAME
from hubbub.domain.message import MAX_BODY, MAX_CLIENT_MSG_ID, MAX_EMOJI
from hubbub.domain.preferences import MAX_CATEGORY
from hubbub.domain.session import MAX_DEVICE_NAME

Username = Annotated[str, msgspec.Meta(min_length=MIN_USERNAME, max_length=MAX_USERNAME, pattern="^[A-Za-z0-9_.-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)]
LoginField = Annotated[str, msgspec.Meta(max_length=1024)]  # bounded only: a wrong login is a 401, not a 422
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_DISPLAY_NAME)]
DeviceName = Annotated[str, msgspec.Meta(max_length=MAX_DEVICE_NAME)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY)]
ClientKey = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CLIENT_MSG_ID, pattern=r"\S")]  # not blank
Emoji = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_EMOJI, pattern=r"^\S+$")]
Category = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CATEGORY, pattern="^[a-z0-9][a-z0-9_.-]*$")]
Position = Annotated[int, msgspec.Meta(ge=0, le=MAX_POSITION)]
ClockTime = Annotated[str, msgspec.Meta(pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$")]
