"""Every projector hubbub runs, by name."""

from __future__ import annotations

from .analytics.projector import AnalyticsProjector
from .feed.projector import FeedProjector
from .inbox.projector import InboxProjector
from .projector import Projector
from .rooms.projector import RoomsProjector
from .search.projector import SearchProjector
from .timeline.projector import TimelineProjector

PROJECTORS: tuple[type[Projector], ...] = (
    RoomsProjector, TimelineProjector, SearchProjector, AnalyticsProjector, InboxProjector, FeedProjector,
)
NAMES = tuple(p.name for p in PROJECTORS)


def projector(name: str) -> type[Projector]:
    for candidate in PROJECTORS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no projection named {name!r}: choose from {', '.join(NAMES)}")


def selected(name: str) -> list[type[Projector]]:
    """`all`, or one projection by name."""
    return list(PROJECTORS) if name == "all" else [projector(name)]
