"""Who is acting and through which request: stamped into every event a command appends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from hubbub.domain.ids import random_id

SYSTEM_ACTOR = uuid5(NAMESPACE_URL, "/actors/system")


@dataclass(frozen=True)
class CommandContext:
    actor_id: UUID
    correlation_id: str = field(default_factory=lambda: random_id().hex)
    causation_id: str | None = None

    @classmethod
    def system(cls, causation_id: str | None = None) -> CommandContext:
        return cls(actor_id=SYSTEM_ACTOR, causation_id=causation_id)

    @classmethod
    def for_request(cls, actor_id: UUID, request_id: str | None) -> CommandContext:
        """The request id correlates every event a request appends, and is their cause."""
        if request_id is None:
            return cls(actor_id=actor_id)
        return cls(actor_id=actor_id, correlation_id=request_id, causation_id=request_id)

    def metadata(self) -> dict[str, str | None]:
        return {
            "actor_id": str(self.actor_id),
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
        }


_acting: ContextVar[CommandContext | None] = ContextVar("hubbub_command_context", default=None)


@contextmanager
def acting_as(context: CommandContext) -> Iterator[None]:
    token = _acting.set(context)
    try:
        yield
    finally:
        _acting.reset(token)


def current_metadata() -> dict[str, str | None] | None:
    context = _acting.get()
    return context.metadata() if context else None
