"""How each projection is doing: position, head, lag, and whether it still runs."""

from __future__ import annotations

from dataclasses import dataclass

from .worker import Worker


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    version: int
    position: int  # every event up to here is reflected in the read model
    head: int
    state: str  # running | retrying | stopped | starting | standby (another worker projects) | external
    error: str | None = None

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


def status_of(worker: Worker, head: int, supervisor_running: bool) -> ProjectionStatus:
    if worker.stopped or not supervisor_running:
        state = "stopped"
    elif worker.failures or worker.broken:
        state = "retrying"
    else:
        state = "running"
    error = f"{type(worker.error).__name__}: {worker.error}" if worker.error and state != "running" else None
    return ProjectionStatus(worker.name, worker.version, worker.visible, head, state, error)
