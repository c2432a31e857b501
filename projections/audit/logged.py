"""The consumer shape the background host runs (see projections/runtime/consumer.py once it lands).

Kept here, to that exact shape, so that the audit consumers can be written and tested before
the host exists; at merge, import LoggedEvent and LogConsumer from the runtime and delete this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class LoggedEvent:
    position: int
    topic: str
    originator_id: UUID
    originator_version: int
    event: Any
    metadata: dict[str, Any]  # actor_id, correlation_id, causation_id


class LogConsumer(Protocol):
    name: str
    topics: tuple[str, ...]  # empty: every event

    def committed_position(self) -> int: ...

    def consume(self, events: Sequence[LoggedEvent], up_to: int) -> None:
        """Fold the events (all of those after committed_position() up to `up_to` that match
        `topics`) and commit `up_to` as the new position."""
