"""Presence as the HTTP API shows it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class UserPresence(msgspec.Struct):
    user_id: UUID
    online: bool
    last_seen_at: datetime | None
