"""subscribe(): a change stream wakes the puller, select_notifications() reads.

The change stream only says "something was inserted"; what is read, and in which
order, always comes from select_notifications() in notification id order. So its
delivery order, batching, duplicates or a missed wake-up can delay a subscriber but
never reorder or skip what it yields. A missed wake-up (e.g. around a failover) is
covered by polling once per IDLE_POLL_SECONDS of silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from threading import Thread
from time import monotonic
from typing import TYPE_CHECKING, Any

from bson.errors import BSONError
from eventsourcing.persistence import ListenNotifySubscription, OperationalError
from pymongo.errors import PyMongoError

from .errors import translate

if TYPE_CHECKING:
    from pymongo.change_stream import ChangeStream, CollectionChangeStream

    from .documents import Document
    from .recorders import MongoApplicationRecorder

# How long one getMore on the change stream waits: bounds how long stop() takes.
MAX_AWAIT_MS = 100
IDLE_POLL_SECONDS = 1.0
# A wedged getMore (dead socket) must not hang __exit__ forever; the thread is a daemon.
JOIN_TIMEOUT_SECONDS = 10.0


def wake_up_pipeline(topics: Sequence[str]) -> list[Document]:
    match: Document = {"operationType": "insert"}
    if topics:
        match["fullDocument.topic"] = {"$in": list(topics)}
    # Keep the change's _id (the resume token, needed to resume after a network error)
    # and drop the event's state: a wake-up needs no payload.
    return [{"$match": match}, {"$project": {"_id": 1, "documentKey": 1}}]


class MongoSubscription(ListenNotifySubscription["MongoApplicationRecorder"]):
    def __init__(
        self,
        recorder: MongoApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        # Opened before the base class starts its first pull, so an insert committed
        # between that pull and the stream's start cannot go unnoticed.
        self._change_stream: CollectionChangeStream[Document] = recorder.watch_inserts(topics, MAX_AWAIT_MS)
        try:
            super().__init__(recorder=recorder, gt=gt, topics=topics)
        except BaseException:
            self._change_stream.close()
            raise
        self._watch_thread = Thread(target=self._watch, name="mongodb-subscription-watch", daemon=True)
        self._watch_thread.start()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._watch_thread.join(timeout=JOIN_TIMEOUT_SECONDS)

    def _watch(self) -> None:
        # This thread alone uses and closes the change stream: pymongo cursors are not
        # meant to be shared between threads, so stop() only raises the flag checked here.
        try:
            with self._change_stream as stream:
                self._wake_on_changes(stream)
        except (PyMongoError, BSONError) as error:
            self._fail(translate(error))
        except BaseException as error:  # handed to the thread iterating the subscription
            self._fail(error)

    def _wake_on_changes(self, stream: ChangeStream[Document]) -> None:
        last_wake_up = monotonic()
        while not self._has_been_stopped:
            change = stream.try_next()
            if not stream.alive:
                raise OperationalError("change stream closed by the server (collection dropped or renamed?)")
            if change is not None or monotonic() - last_wake_up >= IDLE_POLL_SECONDS:
                self._has_been_notified.set()
                last_wake_up = monotonic()

    def _fail(self, error: BaseException) -> None:
        if self._thread_error is None:
            self._thread_error = error
        self.stop()
