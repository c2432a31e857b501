"""Audit requests and answers that have a fixed shape."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec


class ErasureRequest(msgspec.Struct):
    user_id: UUID
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class ErasureAccepted(msgspec.Struct):
    position: int
