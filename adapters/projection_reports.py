"""How the projection child tells its parent what each projector is doing, over a pipe.

Positions travel through the read store; this channel carries what the store cannot show: that
a projector is retrying after an error (and which error), and that the child still answers at
all. The child writes one JSON line of {name: [state, error]} every REPORT_EVERY_S; the parent
keeps the latest line. A child that stops reporting (hung, stopped, swapping) is reported as
stopped once its last line is older than the parent's staleness bound.
"""

from __future__ import annotations

import json
import logging
import os
import select
import threading
import time
from collections.abc import Iterable

from hubbub.projections.status import ProjectionStatus

logger = logging.getLogger(__name__)
REPORT_EVERY_S = 0.5
MAX_ERROR_CHARS = 300
Report = tuple[str, str | None]  # (state, error)


class ReportWriter:
    """The child's end: never blocks the child, and gives up quietly when the parent is gone."""

    def __init__(self, fd: int):
        self.fd = fd
        os.set_blocking(fd, False)
        self.closed = False

    def write(self, statuses: Iterable[ProjectionStatus]) -> None:
        if self.closed:
            return
        line = encode(statuses)
        try:
            os.write(self.fd, line)
        except BlockingIOError:
            pass  # the parent is not reading just now: the next report says the same, newer
        except OSError:  # EPIPE: the parent is gone
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)


def encode(statuses: Iterable[ProjectionStatus]) -> bytes:
    """One line, short enough (≤ PIPE_BUF) that a write of it is atomic: never half a line.
    Errors are cut short, and left out altogether if the line would still be too long."""
    statuses = list(statuses)
    line = _line({s.name: [s.state, (s.error or "")[:MAX_ERROR_CHARS] or None] for s in statuses})
    if len(line) > select.PIPE_BUF:
        line = _line({s.name: [s.state, None] for s in statuses})
    return line


def _line(reports: dict[str, list]) -> bytes:
    return json.dumps(reports).encode() + b"\n"


class ReportReader:
    """The parent's end: a thread keeping the child's latest report, until the pipe closes."""

    def __init__(self, fd: int):
        self._file = os.fdopen(fd, "rb")
        self._lock = threading.Lock()
        self._latest: tuple[float, dict[str, Report]] | None = None
        self._thread = threading.Thread(target=self._read, name="hubbub-projection-reports", daemon=True)
        self._thread.start()

    def latest(self) -> tuple[float, dict[str, Report]] | None:
        """(when it arrived, on the monotonic clock; the reports by projection), or None yet."""
        with self._lock:
            return self._latest

    def _read(self) -> None:
        with self._file:
            for line in self._file:
                reports = _decoded(line)
                if reports is not None:
                    with self._lock:
                        self._latest = (time.monotonic(), reports)


def _decoded(line: bytes) -> dict[str, Report] | None:
    try:
        raw = json.loads(line)
        return {str(name): (str(state), error if isinstance(error, str) else None) for name, (state, error) in raw.items()}
    except (ValueError, TypeError, AttributeError):
        logger.warning("projections: unreadable report from the projection process: %r", line[:200])
        return None
