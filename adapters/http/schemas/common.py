"""Constrained field types the resources share; the limits mirror ../shared/api.md."""

from __future__ import annotations

from typing import Annotated

import msgspec

# Positions are stored as signed 64-bit integers (SQLite, PostgreSQL BIGINT, MongoDB int64).
MAX_POSITION = 2**63 - 1

Username = Annotated[str, msgspec.Meta(min_length=3, max_length=32, pattern="^[A-Za-z0-9_.-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
LoginField = Annotated[str, msgspec.Meta(max_length=1024)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
DeviceName = Annotated[str, msgspec.Meta(max_length=64)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
ClientKey = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"\S")]  # not blank
Emoji = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^\S+$")]
Category = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern="^[a-z0-9][a-z0-9_.-]*$")]
Position = Annotated[int, msgspec.Meta(ge=0, le=MAX_POSITION)]
ClockTime = Annotated[str, msgspec.Meta(pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$")]
