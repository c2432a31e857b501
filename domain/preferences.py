"""Notification preferences: how often digests go out, when to stay quiet, what to hear about."""

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput

MAX_DIGEST_WINDOW_S = 86_400
MAX_CATEGORIES = 32
MAX_CATEGORY = 32
CATEGORY_PATTERN = re.compile(rf"[a-z0-9][a-z0-9_.-]{{0,{MAX_CATEGORY - 1}}}")
DEFAULT_MAX_WAIT_S = 60
DEFAULT_PREFERENCES = {"digest_window_s": 0, "max_wait_s": DEFAULT_MAX_WAIT_S, "quiet_hours": None, "categories": []}


def validated_digest_window(seconds: int) -> int:
    if isinstance(seconds, bool) or not 0 <= seconds <= MAX_DIGEST_WINDOW_S:
        raise InvalidInput("digest_window_s", f"must be 0–{MAX_DIGEST_WINDOW_S} seconds")
    return seconds


def validated_max_wait(seconds: int) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_DIGEST_WINDOW_S:
        raise InvalidInput("max_wait_s", f"must be 0–{MAX_DIGEST_WINDOW_S} seconds")
    return seconds


def validated_quiet_hours(quiet: dict | None) -> dict | None:
    if quiet is None:
        return None
    start = _clock_time("quiet_hours.start", quiet.get("start"))
    end = _clock_time("quiet_hours.end", quiet.get("end"))
    if start == end:
        raise InvalidInput("quiet_hours", "start and end must differ")
    return {"start": start, "end": end, "tz": _time_zone(quiet.get("tz") or "UTC")}


def validated_category(category: str) -> str:
    if not isinstance(category, str) or not CATEGORY_PATTERN.fullmatch(category):
        raise InvalidInput("category", "must be 1–32 of [a-z0-9_.-], starting with a letter or digit")
    return category


def validated_categories(categories: list[str]) -> list[str]:
    unique = list(dict.fromkeys(validated_category(c) for c in categories))
    if len(unique) > MAX_CATEGORIES:
        raise InvalidInput("categories", f"at most {MAX_CATEGORIES} categories")
    return unique


def _clock_time(field: str, value: object) -> str:
    try:
        parsed = time.fromisoformat(value) if isinstance(value, str) and len(value) == 5 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(field, 'must be a 24-hour "HH:MM" time')
    return value


def _time_zone(name: object) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("quiet_hours.tz", f"unknown time zone {name!r}") from None
    return str(name)
