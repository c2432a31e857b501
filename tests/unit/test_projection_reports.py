"""The child-to-parent report channel: whole lines, never blocking the child, latest wins."""

from __future__ import annotations

import json
import os
import select
import threading

from hubbub.adapters.projection_reports import MAX_ERROR_CHARS, ReportReader, ReportWriter, encode
from hubbub.projections.status import ProjectionStatus
from tests.polling import wait_until


def status(name: str, state: str = "running", error: str | None = None) -> ProjectionStatus:
    return ProjectionStatus(name, 1, 10, 12, state, error)


def test_the_reader_keeps_the_latest_report():
    read_fd, write_fd = os.pipe()
    reader, writer = ReportReader(read_fd), ReportWriter(write_fd)
    writer.write([status("timeline"), status("search", "retrying", "OperationalError: locked")])
    wait_until(lambda: reader.latest())
    writer.write([status("timeline"), status("search")])
    _, reports = wait_until(lambda: (latest := reader.latest()) and latest[1]["search"][0] == "running" and latest)
    assert reports == {"timeline": ("running", None), "search": ("running", None)}
    writer.close()


def test_a_line_always_fits_one_atomic_pipe_write_and_keeps_every_state():
    huge = "x" * 100_000
    one = encode([status("timeline", "retrying", huge)])
    assert len(one) <= select.PIPE_BUF and json.loads(one)["timeline"] == ["retrying", "x" * MAX_ERROR_CHARS]
    many = encode([status(f"projection{i}", "retrying", huge) for i in range(40)])
    assert len(many) <= select.PIPE_BUF and many.endswith(b"\n") and many.count(b"\n") == 1
    assert json.loads(many) == {f"projection{i}": ["retrying", None] for i in range(40)}


def test_a_full_pipe_never_blocks_the_child():
    read_fd, write_fd = os.pipe()  # nobody reads
    writer = ReportWriter(write_fd)

    def flood():
        for _ in range(1_000):  # far more than a pipe buffer holds
            writer.write([status("timeline", "retrying", "e" * 200)])

    flooding = threading.Thread(target=flood, daemon=True)
    flooding.start()
    flooding.join(timeout=10)
    assert not flooding.is_alive(), "a write blocked on the full pipe"
    writer.close()
    os.close(read_fd)


def test_a_gone_parent_silences_the_writer():
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    writer = ReportWriter(write_fd)
    writer.write([status("timeline")])  # EPIPE: no exception, the writer just stops
    assert writer.closed
    writer.write([status("timeline")])


def test_an_unreadable_line_is_skipped():
    read_fd, write_fd = os.pipe()
    reader = ReportReader(read_fd)
    os.write(write_fd, b"not json\n" + encode([status("rooms")]))
    _, reports = wait_until(lambda: reader.latest())
    assert reports == {"rooms": ("running", None)}
    os.close(write_fd)
