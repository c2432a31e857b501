"""Query and header parameters several routes share, with the limits the contract sets."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter, QueryParameter

from .schemas.common import MAX_POSITION


def digits_up_to(largest: int) -> str:
    """A regular expression for the decimal numbers 0..largest, without leading zeros."""
    text = str(largest)
    alternatives = ["0"] + ([f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else [])
    for at, digit in enumerate(text):
        low = "1" if at == 0 else "0"
        if int(digit) > int(low):
            rest = len(text) - at - 1
            alternatives.append(f"{text[:at]}[{low}-{int(digit) - 1}][0-9]{{{rest}}}")
    alternatives.append(text)
    return "^(" + "|".join(alternatives) + ")$"


Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page, 1–100")]
Cursor = Annotated[int | None, QueryParameter(
    ge=0, le=MAX_POSITION, description="A position: items strictly before/after it",
)]
MinPosition = Annotated[int | None, QueryParameter(
    ge=0, le=MAX_POSITION, description="First wait (5 s at most) until the read models have processed this position",
)]
SearchQuery = Annotated[str, QueryParameter(min_length=1, max_length=200, description="Words to find, all of them")]
NotificationCursor = Annotated[str | None, QueryParameter(
    max_length=19, pattern=digits_up_to(MAX_POSITION), description="A position, as `next_cursor` gave it",
)]
TimeZone = Annotated[str, QueryParameter(min_length=1, max_length=64, description="IANA zone for the heatmap hours")]
IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, max_length=128,
    description="The same key again returns the original message and appends nothing; not blank",
)]
