"""Revoked sessions, announced to every subscriber: the HTTP session cache forgets them, a socket
gateway disconnects their sockets. Fed by this process's own revocations at once and by the
RevocationWatch (every process's, from the log); a session is announced once, whichever comes first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from uuid import UUID

log = logging.getLogger(__name__)

Listener = Callable[[UUID, str], None]
MAX_REMEMBERED = 200_000


class SessionRevocations:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._announced: dict[UUID, None] = {}  # insertion-ordered set: a revoked session never comes back
        self._lock = threading.Lock()  # the watch announces from its own thread

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(session_id, reason)` for each revocation from now on; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def revoked(self, session_ids: Iterable[UUID], reason: str) -> None:
        for session_id in session_ids:
            if self._first_time(session_id):
                self._announce(session_id, reason)

    def _first_time(self, session_id: UUID) -> bool:
        with self._lock:
            if session_id in self._announced:
                return False
            if len(self._announced) >= MAX_REMEMBERED:
                self._announced.pop(next(iter(self._announced)))
            self._announced[session_id] = None
            return True

    def _announce(self, session_id: UUID, reason: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(session_id, reason)
            except Exception:  # one broken listener must not stop the others or the request
                log.exception("session revocation listener failed", extra={"session_id": str(session_id)})
