"""The projectors in a process of their own (HUBBUB_PROJECTIONS=process), both ends of it.

Why: folding events is CPU work, and in the web process it competes with the HTTP API for the
one interpreter (measured: POST message throughput fell from ~630 to ~340 req/s under write
load). The web process starts `hubbub projections run --parent-pid <its pid>` as a child
(ProjectionProcess), restarts it with a backoff when it dies, and stops it at shutdown; the child
(run_projectors) runs the supervisor until SIGTERM, SIGINT, or its parent is gone (a web server
killed with SIGKILL must not leave an orphan behind). The child reports each projector's state
over a pipe (projection_reports), so that the parent's /ready sees a retrying projector, or a
hung child, not only a dead one.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from hubbub.projections.status import ProjectionStatus

from .projection_lock import WorkerLock, projection_lock
from .projection_reports import REPORT_EVERY_S, Report, ReportReader, ReportWriter
from .settings import Settings, settings_env

logger = logging.getLogger(__name__)
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STDERR = 2
REPORT_STALE_S = 5.0  # a child silent for this long is reported as stopped


class ProjectionProcess:
    """The parent's end: one child running the projectors, restarted when it exits unasked."""

    def __init__(self, settings: Settings, report_stale_s: float = REPORT_STALE_S):
        self.settings = settings
        self.report_stale_s = report_stale_s
        self._process: subprocess.Popen | None = None
        self._reports: ReportReader | None = None
        self._started_at = 0.0
        self._lock = threading.Lock()  # orders a restart against stop(): no child outlives stop()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def is_alive(self) -> bool:
        process = self._process
        return process is not None and process.poll() is None

    def state_of(self, name: str) -> Report:
        """What the child last said of this projection: (state, error)."""
        if not self.is_alive():
            return "stopped", None
        reader, started_at = self._reports, self._started_at
        latest = reader.latest() if reader is not None else None
        silent_s = time.monotonic() - (latest[0] if latest else started_at)
        if silent_s > self.report_stale_s:
            return "stopped", f"the projection process {self.pid} has not reported for {silent_s:.0f} s"
        if latest is None:
            return "starting", None
        return latest[1].get(name, ("starting", None))

    def start(self) -> None:
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="hubbub-projection-process", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after HUBBUB_SHUTDOWN_TIMEOUT_S (what a kill loses is folded again)."""
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(self.settings.shutdown_timeout_s)
            except subprocess.TimeoutExpired:
                logger.warning("projections: process %s did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
        if self._watcher is not None:
            self._watcher.join()

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            read_fd, write_fd = os.pipe()
            command = [sys.executable, "-m", "hubbub.adapters.cli", "projections", "run", "--parent-pid", str(os.getpid()),
                       "--status-fd", str(write_fd)]
            env = {**os.environ, **settings_env(self.settings), "HUBBUB_ENV_FILE": ""}
            try:
                # A session of its own: Ctrl-C in a terminal reaches the web process only, which
                # then stops the child in order instead of both racing to exit.
                self._process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=STDERR,
                                                 start_new_session=True, pass_fds=(write_fd,))
            except OSError:
                os.close(read_fd)
                raise
            finally:
                os.close(write_fd)  # the child's now: the reader sees EOF when the child exits
            self._reports = ReportReader(read_fd)
            self._started_at = time.monotonic()
        logger.info("projections: started process %s", self._process.pid)

    def _watch(self) -> None:
        backoff = FIRST_BACKOFF_S
        while not self._stopping.is_set():
            process = self._process
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - self._started_at > MAX_BACKOFF_S:
                backoff = FIRST_BACKOFF_S  # it had been running well: not a crash loop
            logger.error("projections: process %s exited with %s; restarting in %.0f s", process.pid, code, backoff)
            if self._stopping.wait(backoff):
                return
            try:
                self._spawn()
            except OSError:
                logger.exception("projections: could not start the process")
                self._started_at = time.monotonic()
            backoff = min(MAX_BACKOFF_S, backoff * 2)


def run_projectors(settings: Settings, parent_pid: int | None = None, status_fd: int | None = None) -> None:
    """The child's end (`hubbub projections run`): the supervisor in the foreground until told to
    stop or orphaned, then a final commit and the stores closed. Reports go to `status_fd`.
    While another worker holds the read store's projection lock, it waits on standby."""
    from .bootstrap import bootstrap
    from .readstore import open_read_store

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    services = bootstrap(settings)
    read_store = open_read_store(settings.read_store_url, settings.data_dir)
    worker = ProjectionWorker(services, read_store, projection_lock(settings))
    parent = ParentWatch(parent_pid)
    reports = ReportWriter(status_fd) if status_fd is not None else None
    try:
        while True:
            worker.keep_or_yield()
            worker.start_when_free()
            if reports is not None:
                reports.write(worker.statuses())
            if stop.wait(REPORT_EVERY_S):
                break
            if parent.gone():
                logger.warning("projections: parent process %s is gone; stopping", parent_pid)
                break
    finally:
        if reports is not None:
            reports.close()
        worker.stop(settings.shutdown_timeout_s)
        read_store.close()
        services.close()
    logger.info("projections: stopped")


class ProjectionWorker:
    """The supervisor, run while this process holds the projection lock."""

    def __init__(self, services, read_store, lock: WorkerLock):
        from hubbub.projections.registry import PROJECTORS

        self.services = services
        self.read_store = read_store
        self.projectors = PROJECTORS
        self.supervisor = None
        self.lock = lock
        self._said_standby = False

    @property
    def started(self) -> bool:
        return self.supervisor is not None

    def start_when_free(self) -> None:
        if self.started:
            return
        if not self.lock.try_acquire():
            if not self._said_standby:
                logger.info("projections: standby in process %s; %s", os.getpid(), self.lock.holder())
                self._said_standby = True
            return
        self.supervisor = self._new_supervisor()
        self.supervisor.start()
        self._said_standby = False
        logger.info("projections: running in process %s", os.getpid())

    def keep_or_yield(self, timeout: float = 10.0) -> None:
        """A holder that lost its lock (a MongoDB lease it could not renew) stops projecting."""
        if self.started and not self.lock.renew():
            logger.warning("projections: lock lost in process %s; projecting stops", os.getpid())
            self.supervisor.stop(timeout)
            self.supervisor = None

    def statuses(self) -> list[ProjectionStatus]:
        if self.started:
            return self.supervisor.statuses()
        return [ProjectionStatus(p.name, 0, 0, 0, "standby") for p in self.projectors]

    def stop(self, timeout: float) -> None:
        if self.started:
            self.supervisor.stop(timeout)
        self.lock.release()

    def _new_supervisor(self):
        # A fresh one each time: a stopped supervisor does not restart, and a successor may have
        # moved the positions meanwhile.
        from hubbub.projections.log import EventLog
        from hubbub.projections.supervisor import ProjectionSupervisor

        return ProjectionSupervisor(EventLog(self.services.app), self.read_store, self.projectors)


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
