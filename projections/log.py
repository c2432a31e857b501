"""The event log as projectors read it: positions, stored notifications, decoded events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification, Subscription

from hubbub.application.topics import current_topic, with_legacy


class EventLog:
    def __init__(self, app: Application):
        self.app = app  # held: a collected Application closes its store under the recorder
        self._recorder = app.recorder
        self._mapper = app.mapper

    def head(self) -> int:
        return self._recorder.max_notification_id() or 0

    def read(self, after: int, stop: int, limit: int, topics: Sequence[str] = ()) -> Sequence[Notification]:
        notifications = self._recorder.select_notifications(
            start=after, stop=stop, limit=limit, topics=with_legacy(topics), inclusive_of_start=False
        )
        return [current_notification(n) for n in notifications]

    def decode(self, notification: Notification) -> Any:
        return self._mapper.to_domain_event(notification)

    def subscribe(self, after: int) -> Subscription:
        return self._recorder.subscribe(gt=after)


def current_notification(notification: Notification) -> Notification:
    """The notification under its topic's current name (projectors dispatch on it)."""
    topic = current_topic(notification.topic)
    if topic == notification.topic:
        return notification
    return Notification(id=notification.id, originator_id=notification.originator_id,
                        originator_version=notification.originator_version, topic=topic, state=notification.state)
