"""What the analytics read model answers, in the time zone the caller asks for."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from hubbub.projections.shapes import as_uuid

from hubbub.projections.store import StoredVersion

from .heatmap import local_counts, zone_named
from .projector import ALL_ROOMS, DAYS, SENDERS, TOTALS

ACTIVE_WINDOW = timedelta(days=7)
PER_DAY_DAYS = 30
TOP_SENDERS = 10


def analytics(
    view: StoredVersion, room_id: UUID | None, tz: str = "UTC", now: datetime | None = None
) -> dict[str, Any]:
    zone = zone_named(tz)
    now = now or datetime.now(timezone.utc)
    scope = str(room_id) if room_id else ALL_ROOMS
    totals = view.find_one(TOTALS, scope) or {"count": 0, "last_activity": None}
    heat, per_local_day = local_counts(view.find(DAYS, {"scope": scope}, sort=[("date", 1)]), zone)
    top = view.find(SENDERS, {"scope": scope}, sort=[("count", -1), ("user_id", 1)], limit=TOP_SENDERS)
    return {
        "messages_total": totals["count"],
        "members_active": view.count(SENDERS, {"scope": scope, "last_sent": {"$gte": now - ACTIVE_WINDOW}}),
        "last_activity": totals["last_activity"],
        "top_senders": [{"user_id": as_uuid(doc["user_id"]), "count": doc["count"]} for doc in top],
        "per_day": _last_days(per_local_day, now.astimezone(zone).date()),
        "heatmap": heat,
        "tz": tz or "UTC",
    }


def _last_days(per_day: dict[date, int], today: date) -> list[dict[str, Any]]:
    """The last PER_DAY_DAYS local dates, oldest first, with zeros where nothing was sent."""
    days = [today - timedelta(days=back) for back in range(PER_DAY_DAYS - 1, -1, -1)]
    return [{"date": day.isoformat(), "count": per_day.get(day, 0)} for day in days]
