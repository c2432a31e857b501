"""The background host in a child process of `hubbub serve` (HUBBUB_PROJECTIONS=process): the
parent's end.

Why: folding events is CPU work, and in the web process it competes with the HTTP API for the
one interpreter (figures: projections/README.md). The web process starts
`hubbub projections run --parent-pid <its pid>` as a child, restarts it with a backoff when it
dies, and stops it at shutdown. What the child is doing, the parent reads from the background
lease's record in the read store (progress.StoredProgress), like any other process.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

from ..settings import Settings, settings_env

logger = logging.getLogger(__name__)
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STDERR = 2


class BackgroundProcess:
    """The parent's end: one child running the background host, restarted when it exits unasked."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._process: subprocess.Popen | None = None
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

    def start(self) -> None:
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="hubbub-background-process", daemon=True)
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
                logger.warning("background: process %s did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
        if self._watcher is not None:
            self._watcher.join()

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            command = [sys.executable, "-m", "hubbub.adapters.cli", "projections", "run", "--parent-pid", str(os.getpid())]
            env = {**os.environ, **settings_env(self.settings), "HUBBUB_ENV_FILE": ""}
            # A session of its own: Ctrl-C in a terminal reaches the web process only, which
            # then stops the child in order instead of both racing to exit.
            self._process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=STDERR,
                                             start_new_session=True)
            self._started_at = time.monotonic()
        logger.info("background: started process %s", self._process.pid)

    def _watch(self) -> None:
        backoff = FIRST_BACKOFF_S
        while not self._stopping.is_set():
            process = self._process
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - self._started_at > MAX_BACKOFF_S:
                backoff = FIRST_BACKOFF_S  # it had been running well: not a crash loop
            logger.error("background: process %s exited with %s; restarting in %.0f s", process.pid, code, backoff)
            if self._stopping.wait(backoff):
                return
            try:
                self._spawn()
            except OSError:
                logger.exception("background: could not start the process")
                self._started_at = time.monotonic()
            backoff = min(MAX_BACKOFF_S, backoff * 2)
