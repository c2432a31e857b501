"""The event log as log consumers read it: positions, stored notifications, decoded events
with the metadata (actor, correlation and causation ids) stored beside them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, Notification, Subscription

from hubbub.application.topics import current_topic, with_legacy


class EventLog:
    def __init__(self, app: Application):
        self.app = app  # held: a collected Application closes its store under the recorder
        self._recorder = app.recorder
        self._metadata = KeptMetadata(app.mapper.transcoder)
        self._mapper = Mapper(self._metadata, compressor=app.mapper.compressor, cipher=app.mapper.cipher)

    def head(self) -> int:
        return self._recorder.max_notification_id() or 0

    def read(self, after: int, stop: int, limit: int, topics: Sequence[str] = ()) -> Sequence[Notification]:
        notifications = self._recorder.select_notifications(
            start=after, stop=stop, limit=limit, topics=with_legacy(topics), inclusive_of_start=False
        )
        return [current_notification(n) for n in notifications]

    def decode(self, notification: Notification) -> tuple[Any, Mapping[str, str | None]]:
        """The domain event and its metadata. One thread at a time: the metadata is kept per call."""
        event = self._mapper.to_domain_event(notification)
        return event, self._metadata.last

    def subscribe(self, after: int) -> Subscription:
        return self._recorder.subscribe(gt=after)


def current_notification(notification: Notification) -> Notification:
    """The notification under its topic's current name (projectors dispatch on it)."""
    topic = current_topic(notification.topic)
    if topic == notification.topic:
        return notification
    return Notification(id=notification.id, originator_id=notification.originator_id,
                        originator_version=notification.originator_version, topic=topic, state=notification.state)


class KeptMetadata:
    """The application's transcoder, keeping the metadata it takes off the last state it decoded
    (the domain event has no field for it). Transcoders without metadata give none."""

    def __init__(self, transcoder: Any):
        self._transcoder = transcoder
        self._split = getattr(transcoder, "split_metadata", None)
        self.last: Mapping[str, str | None] = {}

    def encode(self, obj: Any) -> bytes:
        return self._transcoder.encode(obj)

    def decode(self, data: bytes) -> Any:
        if self._split is None:
            return self._transcoder.decode(data)
        state, self.last = self._split(data)
        return state
