"""A command in two steps, so that one thread can run many and commit them together.

`prepare(workspace)` decides (loads what it needs through the workspace, runs the domain) and
returns a `Staged`: the aggregates whose pending events to append, as whom, and how to answer
once the append has its position. The writer (application/writer.py) runs prepares back to back
and appends what they staged in one transaction. Within a batch the workspace hands a later
command the aggregates as an earlier one left them, so two commands on one record never race.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from .context import CommandContext

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)


class Workspace(Protocol):
    """What a decision may read: aggregates as of the batch so far, and the log's head."""

    def load(self, kind: type[A], aggregate_id: UUID, missing: Exception | None = None, *,
             for_change: bool = True) -> A:
        """The aggregate; `for_change=False` returns a shared one, never to be changed."""

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate to change, or None when it does not exist."""

    def head(self) -> int:
        """The log's last position as the batch started (a clamp for "up to now" commands)."""


@dataclass(frozen=True)
class Staged(Generic[T]):
    context: CommandContext
    aggregates: tuple[Aggregate, ...]
    # The answer, given the position of the command's last event (the log's head if it had none).
    answer: Callable[[int], T]
    # Called instead of a retry when the append loses to an earlier one of the same aggregate
    # version: an idempotent send's replay answers with the original.
    replayed: Callable[[Workspace], T] | None = None

    @classmethod
    def answered(cls, context: CommandContext, result: T) -> Staged[T]:
        """Nothing to append: the command already knows its answer."""
        return cls(context, (), lambda _position: result)


Prepare = Callable[[Workspace], Staged[Any]]
