"""Query and header parameters several routes share, with the limits the contract sets."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter, QueryParameter

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page, 1–100")]
Cursor = Annotated[int | None, QueryParameter(ge=0, description="A position: items strictly before/after it")]
SearchQuery = Annotated[str, QueryParameter(min_length=1, max_length=200, description="Words to find, all of them")]
NotificationCursor = Annotated[str | None, QueryParameter(max_length=20, pattern="^[0-9]+$")]
TimeZone = Annotated[str, QueryParameter(min_length=1, max_length=64, description="IANA zone for the heatmap hours")]
IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, min_length=1, max_length=128,
    description="The same key again returns the original message and appends nothing",
)]
