"""eventsourcing's SQLite persistence module, plus live following (subscribe()).

Use it as PERSISTENCE_MODULE=adapters.eventstore.sqlite. Everything is the library's
SQLite module except the application and process recorders, whose subscribe()
returns a SQLiteSubscription instead of raising NotImplementedError. A subscription
is woken at once when a recorder in this process commits events to the same
database, and also polls every SQLITE_POLL_INTERVAL seconds (default 0.1) so that
it sees events that other processes commit to the shared file.

Why notification ids (rowids) can never become visible out of order
--------------------------------------------------------------------
A follower reads everything after the last id it has seen, so it would skip an id
that became visible after a larger one. That cannot happen here, because:

* SQLite has one writer at a time. In WAL mode the write lock is taken by a
  transaction's first write statement and held until COMMIT or ROLLBACK. The
  library opens connections in autocommit mode and runs each insert_events() as
  ``BEGIN; INSERT ...; COMMIT``, so the INSERT takes the lock before the row is
  assigned a rowid and the lock is released only after the commit. (Within one
  process the connection pool's writer lock also serialises writers first.)
* The events table has no AUTOINCREMENT, so each new rowid is one more than the
  largest rowid in the table as the writer sees it under the lock: the rowids of
  every later transaction are larger than those of every committed one, and a
  rolled-back transaction's rowids are simply reused by the next writer.
* A WAL reader sees a snapshot that holds a committed transaction entirely or not
  at all. So the ids a reader can see are always a gap-free prefix of the final
  sequence: whoever has seen id n has seen every id below it.

(An in-memory database has no WAL: there the pool makes reading and writing
mutually exclusive, which gives the same guarantee.)

This relies on events never being deleted (deleting the rows with the largest
rowids would let their ids be reused) and on rowids staying below 2**63 - 1
(SQLite picks random free rowids after that).
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property
from threading import Event, Lock
from typing import Any, TypeVar

from eventsourcing import sqlite as es_sqlite
from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    ProcessRecorder,
    StoredEvent,
)
from eventsourcing.utils import Environment, EnvType

SQLITE_POLL_INTERVAL = "SQLITE_POLL_INTERVAL"
DEFAULT_POLL_INTERVAL = 0.1

_FollowersKey = tuple[str, str]
_Recorder = TypeVar("_Recorder", bound=ApplicationRecorder)


class _CommitListeners:
    """Which subscriptions in this process to wake when a database table gets events.

    Keyed by database and table rather than by recorder, so that a subscription is
    woken by any recorder of this process writing to the same file.
    """

    def __init__(self) -> None:
        self._lock = Lock()
        self._events: defaultdict[_FollowersKey, set[Event]] = defaultdict(set)

    def add(self, key: _FollowersKey, event: Event) -> None:
        with self._lock:
            self._events[key].add(event)

    def remove(self, key: _FollowersKey, event: Event) -> None:
        with self._lock:
            listeners = self._events.get(key)
            if listeners is not None:
                listeners.discard(event)
                if not listeners:
                    del self._events[key]

    def notify(self, key: _FollowersKey) -> None:
        with self._lock:
            listeners = tuple(self._events.get(key, ()))
        for event in listeners:
            event.set()


_commit_listeners = _CommitListeners()


def _followers_key(datastore: es_sqlite.SQLiteDatastore, table_name: str) -> _FollowersKey:
    db_name = datastore.pool.db_name
    if datastore.pool.is_sqlite_memory_mode:
        # Each private in-memory database belongs to one datastore. (Datastores on
        # one shared-cache memory database are not linked: their followers poll.)
        return f"memory:{id(datastore)}", table_name
    path = db_name.removeprefix("file:").split("?", 1)[0]
    return os.path.realpath(path), table_name


class SQLiteApplicationRecorder(es_sqlite.SQLiteApplicationRecorder):
    """The library's SQLite application recorder, with subscribe()."""

    poll_interval: float = DEFAULT_POLL_INTERVAL

    @cached_property
    def followers_key(self) -> _FollowersKey:
        return _followers_key(self.datastore, self.events_table_name)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        notification_ids = super().insert_events(stored_events, **kwargs)
        # Only now has the transaction committed: a follower woken any earlier could
        # select before the rows are visible, then sleep until the next poll.
        _commit_listeners.notify(self.followers_key)
        return notification_ids

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> SQLiteSubscription:
        return SQLiteSubscription(self, gt=gt, topics=topics, poll_interval=self.poll_interval)


class SQLiteProcessRecorder(es_sqlite.SQLiteProcessRecorder, SQLiteApplicationRecorder):
    """The library's SQLite process recorder, with subscribe()."""


class SQLiteSubscription(ListenNotifySubscription[SQLiteApplicationRecorder]):
    """Follows a SQLite application sequence: woken by commits in this process, and
    polling for commits made by other processes."""

    def __init__(
        self,
        recorder: SQLiteApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        # Set before super().__init__(), which starts the thread that reads them.
        self._poll_interval = poll_interval
        self._followers_key = recorder.followers_key
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        _commit_listeners.add(self._followers_key, self._has_been_notified)
        if self._has_been_stopped:  # stopped by a thread error before we listened
            _commit_listeners.remove(self._followers_key, self._has_been_notified)
        # Commits between the thread's first pull and add() woke nobody: pull again.
        self._has_been_notified.set()

    def stop(self) -> None:
        super().stop()  # also sets _has_been_notified, so the thread ends at once
        _commit_listeners.remove(self._followers_key, self._has_been_notified)

    def _loop_on_pull(self) -> None:
        # ListenNotifySubscription's loop, but waiting at most one poll interval
        # for a notification, since other processes' commits never send one.
        try:
            self._pull()
            while not self._has_been_stopped:
                self._has_been_notified.wait(timeout=self._poll_interval)
                self._pull()
        except BaseException as error:
            if self._thread_error is None:
                self._thread_error = error
            self.stop()


class SQLiteFactory(es_sqlite.SQLiteFactory):
    """The library's SQLite factory, making recorders that can subscribe().

    Must stay the only InfrastructureFactory subclass in this module's namespace:
    InfrastructureFactory.construct() looks the factory up by scanning it.
    """

    application_recorder_class = SQLiteApplicationRecorder
    process_recorder_class = SQLiteProcessRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        self.poll_interval = self._read_poll_interval()

    def _read_poll_interval(self) -> float:
        configured = (self.env.get(SQLITE_POLL_INTERVAL) or "").strip()
        if not configured:
            return DEFAULT_POLL_INTERVAL
        try:
            interval = float(configured)
        except ValueError:
            interval = 0.0
        if not (math.isfinite(interval) and interval > 0):
            msg = f"{SQLITE_POLL_INTERVAL} must be a finite number of seconds > 0, not {configured!r}"
            raise OSError(msg)
        return interval

    def application_recorder(self) -> ApplicationRecorder:
        return self._with_poll_interval(super().application_recorder())

    def process_recorder(self) -> ProcessRecorder:
        return self._with_poll_interval(super().process_recorder())

    def _with_poll_interval(self, recorder: _Recorder) -> _Recorder:
        # A recorder class chosen by *_RECORDER_TOPIC may be the library's own.
        if isinstance(recorder, SQLiteApplicationRecorder):
            recorder.poll_interval = self.poll_interval
        return recorder


Factory = SQLiteFactory
