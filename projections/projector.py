"""What every projector is: a named fold from events to documents in its own collections."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from .runtime.batch import Batch
from .store import CollectionSpec

Handler = Callable[[Any, int, Batch], None]


class NeedsCommit(Exception):
    """Raised by a handler, before it changes anything, when it must query committed state.

    The follower commits everything folded so far (with the previous event's position) and
    calls the handler again, now on a batch with nothing pending.
    """


# The shape of a version created before versions recorded theirs: every projector's first shape.
UNRECORDED_SHAPE = "1"


class Projector:
    """Subclasses set `name`, `collections` and `handles` ({topic: method name}), and `shape`
    once a release changes what its documents hold: bump it then, and the background host
    rebuilds a serving version built in another shape when it starts (runtime/upgrade.py).

    A handler gets (domain event, position, batch). A projector instance may keep in-memory
    increments between events, but must move them into the batch in before_commit(): a
    follower that fails throws the instance away and starts again from what was committed.
    """

    name: ClassVar[str]
    collections: ClassVar[tuple[CollectionSpec, ...]]
    handles: ClassVar[dict[str, str]]
    write_once: ClassVar[frozenset[str]] = frozenset()  # see Batch
    shape: ClassVar[str] = UNRECORDED_SHAPE  # of its documents: "1" first, bumped with each change

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {topic: getattr(self, method) for topic, method in self.handles.items()}

    @classmethod
    def topics(cls) -> tuple[str, ...]:
        return tuple(cls.handles)

    def wants(self, topic: str, event: Any) -> Iterable[tuple[str, str]]:
        """(collection, id) of documents the handler will read: loaded for a whole batch at once."""
        return ()

    def before_commit(self, batch: Batch) -> None:
        """Fold in-memory increments into the batch's documents."""
