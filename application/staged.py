"""A command in two steps, so that one thread can run many and commit them together.

`prepare(load)` decides (loads what it needs through `load`, runs the domain) and returns a
`Staged`: the aggregates whose pending events to append, as whom, and how to answer once the
append has its position. The writer (application/writer.py) runs prepares back to back and
appends what they staged in one transaction.
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


class Load(Protocol):
    """Hubbub.load's signature: `for_change=False` returns a shared aggregate, never to be changed."""

    def __call__(self, kind: type[A], aggregate_id: UUID, missing: Exception | None = None, *,
                 for_change: bool = True) -> A: ...


@dataclass(frozen=True)
class Staged(Generic[T]):
    context: CommandContext
    aggregates: tuple[Aggregate, ...]
    # The answer, given the position of the command's last event (the log's head if it had none).
    answer: Callable[[int], T]
    # Called instead of a retry when the append loses to an earlier one of the same aggregate
    # version: an idempotent send's replay answers with the original.
    replayed: Callable[[Load], T] | None = None

    @classmethod
    def answered(cls, context: CommandContext, result: T) -> Staged[T]:
        """Nothing to append: the command already knows its answer."""
        return cls(context, (), lambda _position: result)


Prepare = Callable[[Load], Staged[Any]]
