"""Activity figures for one room, or (admins) every room."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class SenderCount(msgspec.Struct):
    user_id: UUID
    count: int


class DayCount(msgspec.Struct):
    date: str
    count: int


class Analytics(msgspec.Struct):
    messages_total: int
    members_active: int
    top_senders: list[SenderCount]
    per_day: list[DayCount]
    heatmap: list[list[int]]  # 7 × 24, weekday 0 = Monday, hours in `tz`
    tz: str
    last_activity: datetime | None = None
