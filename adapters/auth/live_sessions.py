"""Which sessions are live, remembered between requests, forgotten the moment one is revoked.

Every authenticated request must be refused once its session is revoked. Reading the Session
aggregate for each request costs a store read and a trip to a runtime thread; instead a live verdict
is remembered here until one of these says otherwise:

- this process revoked the session (logout, revoke, refresh-token reuse, a 6th login's
  eviction): the controller tells us before it answers, so the very next request is refused;
- the log says so: `RevocationWatch` scans it for Session.Revoked events of every process, so
  another worker's revocation reaches us within its poll (100 ms), whatever the store;
- the verdict is older than `ttl_s`, a backstop should the watch fall behind.

A revoked session never comes back, so revocations are remembered for good (bounded), and a
live verdict read from the store just before a revocation landed is not remembered after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from uuid import UUID

MAX_LIVE = 100_000
MAX_REVOKED = 200_000


class LiveSessions:
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self._clock = clock
        self._live: dict[UUID, tuple[UUID, float]] = {}  # session -> (account, checked at)
        self._revoked: dict[UUID, None] = {}  # insertion-ordered set
        self._lock = threading.Lock()  # revocations arrive from the watch's thread

    def known_live(self, session_id: UUID, account_id: UUID) -> bool:
        """True when a fresh verdict says this account's session is live; False: ask the store."""
        entry = self._live.get(session_id)
        if entry is None:
            return False
        owner, checked_at = entry
        return owner == account_id and self._clock() - checked_at < self.ttl_s

    def known_revoked(self, session_id: UUID) -> bool:
        return session_id in self._revoked

    def remember(self, session_id: UUID, account_id: UUID) -> None:
        """Record a live verdict the store just gave, unless a revocation overtook it."""
        if self.ttl_s <= 0:
            return
        with self._lock:
            if session_id in self._revoked:
                return
            if len(self._live) >= MAX_LIVE:
                self._live.pop(next(iter(self._live)))
            self._live[session_id] = (account_id, self._clock())

    def revoked(self, session_id: UUID) -> None:
        with self._lock:
            self._live.pop(session_id, None)
            if session_id not in self._revoked and len(self._revoked) >= MAX_REVOKED:
                self._revoked.pop(next(iter(self._revoked)))
            self._revoked[session_id] = None
