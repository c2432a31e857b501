"""The background host in the foreground (`hubbub projections run`): beats the lease every
HEARTBEAT_S, runs every consumer while it holds it, and stops on SIGTERM, SIGINT, or when the
process named by --parent-pid is gone (a web server killed with SIGKILL must not leave an
orphan behind); then a final commit, the lease released and the stores closed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from hubbub.projections.runtime.lease import HEARTBEAT_S

from ..settings import Settings
from .consumers import background_host

logger = logging.getLogger(__name__)


def run_background(settings: Settings, parent_pid: int | None = None) -> None:
    from ..bootstrap import bootstrap
    from ..readstore import open_read_store

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    services = bootstrap(settings)
    read_store = open_read_store(settings.read_store_url, settings.data_dir, settings.mongodb_timeout_s)
    host = background_host(settings, services, read_store)
    parent = ParentWatch(parent_pid)
    try:
        while True:
            host.tick()
            if stop.wait(HEARTBEAT_S):
                break
            if parent.gone():
                logger.warning("background: parent process %s is gone; stopping", parent_pid)
                break
    finally:
        host.stop(settings.shutdown_timeout_s)
        read_store.close()
        services.close()
    logger.info("background: stopped")


class ParentWatch:
    """Whether the process named by --parent-pid still exists."""

    def __init__(self, pid: int | None):
        self.pid = pid
        # Our real parent is gone the moment we are re-parented, even before it is reaped (a
        # zombie still answers kill(pid, 0)). Any other process: ask the kernel.
        self.is_parent = pid is not None and os.getppid() == pid

    def gone(self) -> bool:
        if self.pid is None:
            return False
        if self.is_parent:
            return os.getppid() != self.pid
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # exists, owned by someone else
            return False
        return False
