"""A port for "these sessions were revoked": sockets subscribe to disconnect them at once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from uuid import UUID

log = logging.getLogger(__name__)

Listener = Callable[[UUID, str], None]


class SessionRevocations:
    """In-process fan-out; a socket gateway in another process subscribes through its own bus."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def revoked(self, session_ids: Iterable[UUID], reason: str) -> None:
        for session_id in session_ids:
            for listener in list(self._listeners):
                try:
                    listener(session_id, reason)
                except Exception:  # one broken listener must not stop the others or the request
                    log.exception("session revocation listener failed", extra={"session_id": str(session_id)})
