"""The background lease: who runs the log consumers, and how they are doing, as every process
sees it (`hubbub serve`, `hubbub projections run` on another host, `hubbub projections status`).

One record per read store: the holder, the time of its last heartbeat, and its consumers'
statuses. The holder beats every HEARTBEAT_S; a beat takes the lease when it is free, has
expired or is already the caller's, and otherwise changes nothing. Each read store implements
it (adapters/readstore): expiry is judged by the store's clock, never by the callers'.

The lease saves work, it does not guard correctness: positions move by compare-and-set, so a
holder paused past its expiry that commits after a takeover gets PositionConflict instead of
writing over its successor's work.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hubbub.domain.ids import random_id

from .status import ConsumerStatus

HEARTBEAT_S = 0.5
SILENT_S = 5.0  # a holder silent this long is reported stopped (hung), even before its lease expires


@dataclass(frozen=True)
class LeaseRecord:
    holder: str
    heartbeat_at: datetime  # by the store's clock
    silent_s: float  # since the last heartbeat, by the store's clock
    expired: bool  # free for the taking (expired, or its holder is known to be dead)
    consumers: tuple[ConsumerStatus, ...]

    @property
    def live(self) -> bool:
        return not self.expired and self.silent_s < SILENT_S


class BackgroundLease(Protocol):
    ttl_s: float  # how long a beat holds the lease

    def beat(self, owner: str, consumers: Sequence[ConsumerStatus]) -> bool:
        """Take or renew the lease and record the consumers' statuses; False, writing nothing,
        while another owner holds it."""

    def release(self, owner: str) -> None:
        """Give the lease up, if `owner` holds it."""

    def record(self) -> LeaseRecord | None:
        """The lease as stored, or None when nobody has held it (or it was released)."""


def new_owner() -> str:
    """host:pid:nonce, unique per host process; an embedded store checks the pid of a holder on its host."""
    return f"{socket.gethostname()}:{os.getpid()}:{random_id().hex[:8]}"


def owner_process(owner: str) -> tuple[str, int] | None:
    """(host, pid) named by an owner string, or None when it names none."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return (host, int(pid)) if pid.isdigit() else None
