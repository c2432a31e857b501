"""The query side as the application sees it: a port that projections implement.

Queries read read models only (CQRS). Every query may first wait until the read models have
processed a given global position (read-your-writes); `wait_for` raises StaleReadModel when
that takes longer than the timeout. Shapes follow ../shared/api.md; ids are UUIDs, times are
aware datetimes (UTC), adapters serialise them.
"""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from hubbub.domain.errors import DomainError


class StaleReadModel(DomainError):
    """The read model has not reached the requested position in time."""


class ReadModels(Protocol):
    def wait_for(self, position: int, timeout: float = 5.0) -> None:
        """Block until every read model has processed `position`, or raise StaleReadModel."""

    def processed_position(self) -> int:
        """The lowest position all read models have processed."""

    # Rooms.
    def rooms_of(self, user_id: UUID) -> list[dict[str, Any]]:
        """The caller's rooms: room fields + unread, mentions, muted, last_message."""

    def room(self, room_id: UUID) -> dict[str, Any] | None:
        """Room fields + members [{user_id, role, joined_at}], or None."""

    def room_sizes_of(self, user_id: UUID) -> dict[UUID, int]:
        """The user's rooms and how many members each has."""

    # Messages.
    def messages(
        self, room_id: UUID, *, before: int | None, after: int | None, limit: int
    ) -> dict[str, Any]:
        """{items, next_cursor, prev_cursor}, items ordered by position."""

    def message(self, message_id: UUID) -> dict[str, Any] | None: ...

    def search(self, room_ids: list[UUID], query: str, limit: int) -> list[dict[str, Any]]: ...

    def unread(self, user_id: UUID, room_id: UUID) -> dict[str, int]:
        """{unread, mentions, last_read_position}."""

    def badge(self, user_id: UUID) -> dict[str, int]:
        """{unread, mentions} over the user's rooms, muted rooms left out."""

    def thread(self, message_id: UUID, *, after: int | None, limit: int) -> dict[str, Any]:
        """The replies to a message: {items, next_cursor, prev_cursor}, oldest first."""

    # Analytics (room_id None: every room, for admins).
    def analytics(self, room_id: UUID | None, tz: str) -> dict[str, Any]: ...

    def heatmap_svg(self, room_id: UUID | None, tz: str) -> str:
        """The analytics heatmap as an SVG document."""

    # Notifications inbox.
    def notifications(self, user_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
        """{items, next_cursor, unread}."""

    def notification(self, user_id: UUID, notification_id: UUID) -> dict[str, Any] | None:
        """One of the user's notifications, or None (also when it is someone else's)."""

    def unread_notifications(self, user_id: UUID, up_to_position: int | None = None) -> int:
        """Unread notifications (up to a position): what a read-all will mark, its `updated`."""

    def audience_page(self, audience: str, after: str, limit: int) -> list[str]:
        """A broadcast audience's user ids ("all", "category:<name>"), in order, after `after`."""

    def muted(self, user_id: UUID, room_id: UUID) -> bool:
        """Whether the user has muted the room."""

    # Operations.
    def lag(self) -> dict[str, int]:
        """Events each projection has yet to process (for /metrics)."""

    def health(self) -> dict[str, Any]:
        """{ok, projections: {name: {state, lag, error}}}: not ok when a projection has stopped (/ready)."""

    def projection_status(self) -> list[dict[str, Any]]:
        """Per projection: name, version, position, head, lag, state, error."""

    def close(self) -> None:
        """Stop the projectors and release the read store."""
