"""The one place where the background host's log consumers are registered.

The projectors are hubbub.projections.registry.PROJECTORS; every other consumer (a LogConsumer:
hubbub.projections.runtime.consumer) is one line in background_consumers. A consumer that keeps
no documents stores its position with read_store.positions() (see PositionedConsumer).
"""

from __future__ import annotations

from hubbub.application.services import Services
from hubbub.projections.registry import NAMES, PROJECTORS
from hubbub.projections.runtime.consumer import LogConsumer
from hubbub.projections.runtime.host import BackgroundHost
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.supervisor import Supervisor
from hubbub.projections.store import ReadStore

from ..notifications.host import NotificationHost
from ..settings import Settings


def background_consumers(settings: Settings, read_store: ReadStore) -> list[LogConsumer]:
    """Every log consumer besides the projectors, one line each."""
    return [
        NotificationHost(settings, read_store),  # digests, and their delivery while it runs
    ]


def background_host(settings: Settings, services: Services, read_store: ReadStore) -> BackgroundHost:
    """The host running PROJECTORS and background_consumers() while it holds the read store's lease."""
    consumers = background_consumers(settings, read_store)

    def new_supervisor() -> Supervisor:
        return Supervisor(EventLog(services.app), read_store, PROJECTORS, consumers)

    return BackgroundHost(read_store.lease(), new_supervisor, [*NAMES, *(c.name for c in consumers)])
