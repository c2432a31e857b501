"""From UTC hour buckets to a weekday × hour heatmap and daily counts in any time zone.

Each bucket counts the messages of one UTC hour. Its start instant is converted to the asked
zone (with that day's offset, so daylight saving is followed), and the whole bucket lands in
the local weekday and hour where that instant falls. For whole-hour offsets this is exact.
For zones at :30 or :45 (India, Nepal, parts of Australia) a bucket straddles two local
hours and is given entirely to the earlier one: counts may appear up to 45 minutes early.
Splitting would need minute buckets; no rebuild is needed to answer any zone either way.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hubbub.domain.errors import InvalidInput


def zone_named(name: str) -> tzinfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("tz", f"unknown time zone {name!r}") from None


def local_counts(days: list[dict[str, Any]], zone: tzinfo) -> tuple[list[list[int]], dict[date, int]]:
    """(7 × 24 counts with weekday 0 = Monday, counts per local date)."""
    heat = [[0] * 24 for _ in range(7)]
    per_day: defaultdict[date, int] = defaultdict(int)
    for doc in days:
        start = datetime.fromisoformat(doc["date"]).replace(tzinfo=timezone.utc)
        for hour, count in enumerate(doc["hours"]):
            if count:
                local = (start + timedelta(hours=hour)).astimezone(zone)
                heat[local.weekday()][local.hour] += count
                per_day[local.date()] += count
    return heat, dict(per_day)
