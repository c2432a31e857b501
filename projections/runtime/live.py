"""Following the log live through its subscription, taken in batches."""

from __future__ import annotations

import threading
from queue import Empty, SimpleQueue

from eventsourcing.persistence import Notification

from .log import EventLog, current_notification

_END = object()


class LiveFeed:
    """The core's subscribe(), read by a thread into a queue, so the pump can take a batch of
    whatever has arrived instead of one event per round trip."""

    def __init__(self, log: EventLog, after: int):
        self.after = after
        self._subscription = log.subscribe(after)
        self._queue: SimpleQueue = SimpleQueue()
        self._thread = threading.Thread(target=self._read, name="hubbub-live-feed", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for notification in self._subscription:
                self._queue.put(current_notification(notification))
            self._queue.put(_END)
        except BaseException as error:  # noqa: BLE001 - handed to the pump, which raises it
            self._queue.put(error)

    def take(self, limit: int, timeout: float) -> list[Notification]:
        """Up to `limit` notifications: waits for the first, then takes what is already there."""
        taken: list[Notification] = []
        try:
            item = self._queue.get(timeout=timeout)
            while True:
                if item is _END:
                    raise ConnectionError("the log subscription ended")
                if isinstance(item, BaseException):
                    raise item
                taken.append(item)
                if len(taken) >= limit:
                    break
                item = self._queue.get_nowait()
        except Empty:
            pass
        return taken

    def close(self) -> None:
        self._subscription.stop()
        self._thread.join(timeout=5)
