"""How each log consumer is doing: position, head, lag, and whether it runs."""

from __future__ import annotations

from dataclasses import dataclass

from .follower import Follower

# starting: catching up to the head the host saw when it took the lease (not ready yet)
# running, retrying (after an error; still ready: the others serve), stopped (not ready),
# standby: this process waits for the lease another host holds,
# rebuilding: its serving version is in another shape than this release writes; a fresh one is
# being built (upgrade.py) while the old one answers queries and follows the log (ready),
# waiting: a log consumer that reads a read model being rebuilt so, fed nothing until the switch
# (ready: its work is delayed, not lost; its error says what it waits for)
STATES = ("starting", "running", "retrying", "stopped", "standby", "rebuilding", "waiting")
READY_STATES = ("running", "retrying", "rebuilding", "waiting")


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
    state = _state(follower, running, start_head)
    if state == "waiting":
        error = f"waiting for the {', '.join(follower.waiting_for)} rebuild"
    elif follower.error and state != "running":
        error = f"{type(follower.error).__name__}: {follower.error}"
    else:
        error = None
    return ConsumerStatus(follower.name, follower.version, follower.visible, head, state, error)


def _state(follower: Follower, running: bool, start_head: int) -> str:
    if follower.stopped or not running:
        return "stopped"
    if follower.failures or follower.broken:
        return "retrying"
    if follower.waiting_for:
        return "waiting"
    if follower.visible < start_head:
        return "starting"
    return "rebuilding" if follower.rebuilding else "running"
