"""Join the threads a borrowed test case starts but never joins.

eventsourcing's ``test_concurrent_no_conflicts`` tells its two reader threads to stop
and returns without joining them. If the test's cleanup then closes the factory, a
reader can still be inside ``select_notifications()``: a sqlite3 connection closed
under a running statement crashes the interpreter (seen in CI as a segfault), and
other drivers fail the next test with a closed-connection error instead.
"""

from __future__ import annotations

import threading
import time
from typing import Any

JOIN_DEADLINE = 10.0


def join_threads_started_since(before: set[threading.Thread], deadline: float = JOIN_DEADLINE) -> None:
    """Wait for every non-daemon thread not in ``before`` to end; fail naming any that
    will not. Daemon threads are left alone: those are connection pools' workers and
    subscriptions, which closing the factory stops."""
    give_up_at = time.monotonic() + deadline
    stragglers = []
    for thread in threading.enumerate():
        if thread in before or thread.daemon or thread is threading.current_thread():
            continue
        thread.join(timeout=max(0.0, give_up_at - time.monotonic()))
        if thread.is_alive():
            stragglers.append(thread.name)
    if stragglers:
        msg = f"threads still running {deadline} s after the test: {', '.join(stragglers)}"
        raise AssertionError(msg)


class JoinsStrayThreads:
    """Mixin for unittest cases: call ``join_stray_threads_before_cleanups()`` after
    registering the cleanups that close connections, so the join runs before them
    (cleanups run last in, first out)."""

    def setUp(self) -> None:
        self._threads_before_test = set(threading.enumerate())
        super().setUp()  # type: ignore[misc]

    def join_stray_threads_before_cleanups(self: Any) -> None:
        self.addCleanup(join_threads_started_since, self._threads_before_test)
