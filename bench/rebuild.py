"""Rebuild rate of the analytics and rooms (unread) projections, against the raw scan rate of
the same log (read and decode only), in the same run.

    .venv/bin/python bench/rebuild.py [--events 1000000] [--postgres]

The log (messages over many rooms and users, with edits, reactions, reads and deletes) is
written straight through the recorder with the application's mapper. Targets on the embedded
default (SQLite event store, embedded read store): ≥ 50,000 events/s and ratio ≥ 0.5.
--postgres runs the same on PostgreSQL (tests' server, a schema of its own).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubbub.adapters.bootstrap import bootstrap  # noqa: E402
from hubbub.adapters.readstore import open_read_store  # noqa: E402
from hubbub.adapters.settings import Settings  # noqa: E402
from bench.synthetic_log import SyntheticLog  # noqa: E402
from hubbub.projections.analytics.projector import AnalyticsProjector  # noqa: E402
from hubbub.projections.runtime.log import EventLog  # noqa: E402
from hubbub.projections.runtime.rebuild import rebuild  # noqa: E402
from hubbub.projections.rooms.projector import RoomsProjector  # noqa: E402
from tests.backends import postgres_url, sqlite_url  # noqa: E402
from tests.contract.fakes import PlainHasher  # noqa: E402

TARGET_RATE, TARGET_RATIO = 50_000, 0.5
SCAN_BATCH = 10_000


def scan(log: EventLog) -> int:
    """Read and decode every event, doing nothing with it: the floor a rebuild cannot beat."""
    position, head, count = 0, log.head(), 0
    while position < head:
        notifications = log.read(after=position, stop=head, limit=SCAN_BATCH)
        for notification in notifications:
            log.decode(notification)
        count += len(notifications)
        position = notifications[-1].id
    return count


def timed(what, *args):
    started = time.perf_counter()
    result = what(*args)
    return result, time.perf_counter() - started


def run(name: str, url: str, data_dir: Path, events: int) -> None:
    settings = Settings(event_store_url=url, data_dir=str(data_dir))
    services = bootstrap(settings, hasher=PlainHasher())
    read_store = open_read_store("", str(data_dir))
    try:
        head, seconds = timed(SyntheticLog(services.app, events).write)
        print(f"[{name}] wrote {head:,} events in {seconds:.1f} s ({head / seconds:,.0f} events/s)", flush=True)
        log = EventLog(services.app)
        scanned, scan_s = timed(scan, log)
        _, rebuild_s = timed(rebuild, log, read_store, [AnalyticsProjector, RoomsProjector], None, 0.0)
        scan_rate, rebuild_rate = scanned / scan_s, head / rebuild_s
        ratio = rebuild_rate / scan_rate
        print(f"[{name}] raw scan (read + decode):   {scan_rate:>10,.0f} events/s  ({scanned:,} in {scan_s:.1f} s)")
        print(f"[{name}] rebuild analytics + rooms:  {rebuild_rate:>10,.0f} events/s  ({head:,} in {rebuild_s:.1f} s)"
              f"   target ≥ {TARGET_RATE:,}: {'met' if rebuild_rate >= TARGET_RATE else 'MISSED'}")
        print(f"[{name}] ratio rebuild / scan:       {ratio:>10.2f}"
              f"   target ≥ {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'MISSED'}", flush=True)
    finally:
        read_store.close()
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, sqlite_url(Path(directory)) as url:
        run("embedded (SQLite)", url, Path(directory) / "sqlite", args.events)
    if args.postgres:
        with tempfile.TemporaryDirectory() as directory, postgres_url() as url:
            run("PostgreSQL", url, Path(directory), args.events)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
