"""hubbub.application.read_models.ReadModels answered from the serving version of each read model.

Where the background host runs (a thread here, a child process, another host) is the Progress's
business: these read models only ask it how far the consumers have got.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from hubbub.application.read_models import StaleReadModel
from hubbub.domain.errors import InvalidInput

from .analytics import queries as analytics_q
from .analytics.svg import heatmap_svg
from .feed import queries as feed_q
from .inbox import audiences
from .inbox import queries as inbox_q
from .runtime.progress import Progress
from .runtime.status import READY_STATES
from .registry import projector
from .rooms import queries as rooms_q
from .search import queries as search_q
from .store import ReadStore, StoredVersion, VersionGone
from .timeline import queries as timeline_q

T = TypeVar("T")
MAX_LIMIT = 100


class ProjectedReadModels:
    def __init__(self, read_store: ReadStore, progress: Progress):
        self.read_store = read_store
        self.progress = progress

    def start(self) -> None:
        self.progress.start()

    def close(self) -> None:
        """Stop the projectors this process runs or started (they commit what they folded), and
        close the read store."""
        self.progress.stop()
        self.read_store.close()

    # Read-your-writes.

    def wait_for(self, position: int, timeout: float = 5.0) -> None:
        self.progress.wait_for(position, timeout)

    def processed_position(self) -> int:
        return self.progress.processed_position()

    # Rooms.

    def rooms_of(self, user_id: UUID) -> list[dict[str, Any]]:
        return self._ask("rooms", lambda v: rooms_q.rooms_of(v, user_id))

    def room(self, room_id: UUID) -> dict[str, Any] | None:
        return self._ask("rooms", lambda v: rooms_q.room(v, room_id))

    def room_sizes_of(self, user_id: UUID) -> dict[UUID, int]:
        return self._ask("rooms", lambda v: rooms_q.room_sizes_of(v, user_id))

    def unread(self, user_id: UUID, room_id: UUID) -> dict[str, int]:
        return self._ask("rooms", lambda v: rooms_q.unread(v, user_id, room_id))

    def badge(self, user_id: UUID) -> dict[str, int]:
        return self._ask("rooms", lambda v: rooms_q.badge(v, user_id))

    # Messages.

    def messages(self, room_id: UUID, *, before: int | None, after: int | None, limit: int) -> dict[str, Any]:
        limit = _limit(limit)
        return self._ask("timeline", lambda v: timeline_q.page(v, room_id, before, after, limit))

    def message(self, message_id: UUID) -> dict[str, Any] | None:
        return self._ask("timeline", lambda v: timeline_q.message(v, message_id))

    def thread(self, message_id: UUID, *, after: int | None, limit: int) -> dict[str, Any]:
        limit = _limit(limit)
        return self._ask("timeline", lambda v: timeline_q.thread(v, message_id, after, limit))

    def search(self, room_ids: list[UUID], query: str, limit: int) -> list[dict[str, Any]]:
        limit = _limit(limit)
        return self._ask("search", lambda v: search_q.search(v, room_ids, query, limit))

    # Analytics (room_id None: every room).

    def analytics(self, room_id: UUID | None, tz: str = "UTC", now: datetime | None = None) -> dict[str, Any]:
        return self._ask("analytics", lambda v: analytics_q.analytics(v, room_id, tz, now))

    def heatmap_svg(self, room_id: UUID | None, tz: str = "UTC") -> str:
        heat = self.analytics(room_id, tz)["heatmap"]
        return heatmap_svg(heat, f"Messages by weekday and hour ({tz or 'UTC'})")

    # Notifications.

    def notifications(self, user_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
        limit = _limit(limit)
        return self._ask("inbox", lambda v: inbox_q.notifications(v, user_id, cursor, limit))

    def notification(self, user_id: UUID, notification_id: UUID) -> dict[str, Any] | None:
        return self._ask("inbox", lambda v: inbox_q.notification(v, user_id, notification_id))

    def unread_notifications(self, user_id: UUID, up_to_position: int | None = None) -> int:
        return self._ask("inbox", lambda v: inbox_q.unread_count(v, user_id, up_to_position))

    # The socket gateway's feed: rows by position, and who was a member of which room when.

    def feed_position(self) -> int:
        return self._ask("feed", lambda v: v.position())

    def feed_after(self, after: int, upto: int, limit: int) -> list[feed_q.Row]:
        return self._ask("feed", lambda v: feed_q.rows_after(v, after, upto, limit))

    def feed_of_room(self, room_id: str, after: int, upto: int, limit: int) -> list[feed_q.Row]:
        return self._ask("feed", lambda v: feed_q.room_rows(v, room_id, after, upto, limit))

    def feed_count(self, room_id: str, after: int, upto: int) -> int:
        return self._ask("feed", lambda v: feed_q.room_count(v, room_id, after, upto))

    def feed_spans(self, user_id: str) -> dict[str, list[list[Any]]]:
        return self._ask("feed", lambda v: feed_q.spans_of(v, user_id))
    def audience_page(self, audience: str, after: str, limit: int) -> list[str]:
        return self._ask("inbox", lambda v: next(audiences.pages(v, audience, limit, after), []))

    def muted(self, user_id: UUID, room_id: UUID) -> bool:
        return self._ask("rooms", lambda v: rooms_q.muted(v, user_id, room_id))

    # Operations: `hubbub projections status`, /metrics and /ready.

    def projection_status(self) -> list[dict[str, Any]]:
        return [{**vars(s), "lag": s.lag} for s in self.progress.statuses()]

    def lag(self) -> dict[str, int]:
        return {s.name: s.lag for s in self.progress.statuses()}

    def health(self) -> dict[str, Any]:
        """Ok when every consumer runs (retrying included: the others serve); not while one is
        starting (still catching up to the head its host saw at start) or stopped."""
        statuses, holder = self.progress.statuses(), self.progress.holder()
        return {"ok": bool(statuses) and all(s.state in READY_STATES for s in statuses),
                "background": holder and {"holder": holder.holder, "heartbeat_at": holder.heartbeat_at.isoformat(),
                                          "expired": holder.expired},
                "projections": {s.name: {"state": s.state, "lag": s.lag, "error": s.error} for s in statuses}}

    def _ask(self, name: str, query: Callable[[StoredVersion], T]) -> T:
        for attempt in range(2):
            version = self.read_store.active_version(name)
            if version is None:
                raise StaleReadModel(f"the {name} read model has not been built yet")
            try:
                return query(self.read_store.open(name, version, projector(name).collections))
            except VersionGone:
                if attempt:  # switched twice in a row: let the caller retry later
                    raise StaleReadModel(f"the {name} read model is switching versions") from None
        raise AssertionError("unreachable")


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be 1–{MAX_LIMIT}")
    return limit
