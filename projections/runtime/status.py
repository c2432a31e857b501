"""How each log consumer is doing: position, head, lag, and whether it runs."""

from __future__ import annotations

from dataclasses import dataclass

from .follower import Follower

# starting: catching up to the head the host saw when it took the lease (not ready yet)
# running, retrying (after an error; still ready: the others serve), stopped (not ready),
# standby: this process waits for the lease another host holds,
# rebuilding: its serving version is in another shape than this release writes; a fresh one is
# being built (upgrade.py) and the old one answers queries but takes no events (not ready)
STATES = ("starting", "running", "retrying", "stopped", "standby", "rebuilding")
READY_STATES = ("running", "retrying")


@dataclass(frozen=True)
class ConsumerStatus:
    name: str
    version: int  # the read-model version it folds into (0: a consumer without one)
    position: int  # every event up to here is applied
    head: int
    state: str  # one of STATES
    error: str | None = None

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


def status_of(follower: Follower, head: int, running: bool, start_head: int) -> ConsumerStatus:
    if follower.stopped or not running:
        state = "stopped"
    elif follower.rebuilding:
        state = "rebuilding"
    elif follower.failures or follower.broken:
        state = "retrying"
    elif follower.visible < start_head:
        state = "starting"
    else:
        state = "running"
    error = f"{type(follower.error).__name__}: {follower.error}" if follower.error and state != "running" else None
    return ConsumerStatus(follower.name, follower.version, follower.visible, head, state, error)
