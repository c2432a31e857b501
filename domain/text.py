"""Checks on free text that several aggregates share."""

from .errors import InvalidInput


def bounded_text(field: str, value: str, *, min_len: int, max_len: int) -> str:
    trimmed = value.strip()
    if not min_len <= len(trimmed) <= max_len:
        raise InvalidInput(field, f"must be {min_len}–{max_len} characters after trimming")
    return trimmed


def optional_text(field: str, value: str | None, *, max_len: int) -> str | None:
    if value is None:
        return None
    trimmed = value.strip()
    if len(trimmed) > max_len:
        raise InvalidInput(field, f"must be at most {max_len} characters")
    return trimmed or None
