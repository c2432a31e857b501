"""Optimistic concurrency: the loser of a race re-runs its command on fresh state."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

from .errors import ConcurrentUpdate

T = TypeVar("T")
MAX_ATTEMPTS = 16


def with_retries(command: Callable[[], T], attempts: int = MAX_ATTEMPTS) -> T:
    """Run `command` (which must load what it changes) until its append wins.

    IntegrityError here means another writer appended the same aggregate version first:
    nothing of ours was stored, so running again from reloaded state is safe.
    """
    for attempt in range(1, attempts + 1):
        try:
            return command()
        except IntegrityError:
            if attempt == attempts:
                raise ConcurrentUpdate(f"gave up after {attempts} concurrent-update retries") from None
            # Jitter so that racing writers do not collide again in lockstep.
            time.sleep(random.uniform(0, 0.002 * attempt))
    raise AssertionError("unreachable")
