"""Audit rates against the raw scan of the same log, in the same run; and what sealing personal
data costs a send.

    .venv/bin/python bench/audit.py [--events 200000] [--sends 2000] [--postgres]

On one synthetic log (bench/synthetic_log.py, personal data sealed as the server stores it):
- raw scan: read and decode every event (the floor any reader of the log pays);
- audit index build: a fresh audit index fed the whole log, as in a rebuild;
- chain build: the hash chain and its checkpoints over the whole log (the consumer alone: it
  reads the stored records itself, so it needs none of the host's decoding);
- verify: recompute the chain and check it against the stored links and checkpoints
  (target: ≥ 0.5 of the raw scan rate);
- export: the NDJSON export of the whole log.
Then send throughput with personal data sealed against plain, alternating rounds in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rebuild import scan, timed  # noqa: E402
from bench.send_rate import seeded, timed_sends  # noqa: E402
from bench import synthetic_log  # noqa: E402
from bench.synthetic_log import SyntheticLog  # noqa: E402
from hubbub.adapters.audit.bootstrap import audit_consumers, open_audit  # noqa: E402
from hubbub.adapters.bootstrap import bootstrap  # noqa: E402
from hubbub.adapters.readstore import open_read_store  # noqa: E402
from hubbub.adapters.settings import Settings  # noqa: E402
from hubbub.application.threads import Executors  # noqa: E402
from hubbub.projections.audit import index  # noqa: E402
from hubbub.projections.runtime.log import EventLog  # noqa: E402
from tests.audit_world import feed  # noqa: E402
from tests.backends import postgres_url, sqlite_url  # noqa: E402
from tests.contract.fakes import PlainHasher  # noqa: E402

TARGET_VERIFY_RATIO = 0.5


def rates(name: str, url: str, data_dir: Path, events: int) -> None:
    settings = Settings(event_store_url=url, data_dir=str(data_dir))
    services = bootstrap(settings, hasher=PlainHasher())
    read_store = open_read_store("", str(data_dir))
    app = services.app
    executors = Executors()
    try:
        head, seconds = timed(SyntheticLog(app, events).write)
        print(f"[{name}] wrote {head:,} events in {seconds:.1f} s", flush=True)
        scanned, scan_s = timed(scan, EventLog(app))
        fresh_index = index.AuditIndex(read_store.open(index.NAME, 99, index.SPECS, create=True))
        _, index_s = timed(feed, app, [fresh_index])  # as the background host feeds it
        _, chain = audit_consumers(settings, read_store)
        _, chain_s = timed(feed, app, [chain])
        inspector = open_audit(settings, services, executors, read_store)
        report, verify_s = timed(inspector.verifier.verify)
        assert report.ok, report
        exported, export_s = timed(lambda: sum(chunk.count(b"\n") for chunk in inspector.export_lines(0)))
        scan_rate = scanned / scan_s
        verify_rate = report.checked / verify_s
        ratio = verify_rate / scan_rate
        for label, count, took in (("raw scan (read + decode)", scanned, scan_s), ("audit index build", head, index_s),
                                   ("chain build + checkpoints", head, chain_s), ("verify", report.checked, verify_s),
                                   ("export (NDJSON)", exported, export_s)):
            print(f"[{name}] {label:<26} {count / took:>10,.0f} events/s  ({count:,} in {took:.1f} s)")
        print(f"[{name}] verify / raw scan           {ratio:>10.2f}   target ≥ {TARGET_VERIFY_RATIO}: "
              f"{'met' if ratio >= TARGET_VERIFY_RATIO else 'MISSED'}", flush=True)
    finally:
        executors.close()
        read_store.close()
        services.close()


def sealing_cost(url_of, sends: int, rounds: int = 20) -> None:
    """Sends per second, sealed and plain, in alternating rounds on two fresh stores."""
    worlds = {}
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        for sealed in (True, False):
            url = stack.enter_context(url_of(Path(directory) / str(sealed)))
            (Path(directory) / str(sealed)).mkdir(exist_ok=True)
            settings = Settings(event_store_url=url, data_dir=str(Path(directory) / str(sealed)),
                                encrypt_personal_data=sealed)
            services = bootstrap(settings, hasher=PlainHasher())
            stack.callback(services.close)
            worlds[sealed] = (services, *seeded(services))
            timed_sends(*worlds[sealed], 100)
        took = {True: 0.0, False: 0.0}
        per_round = max(1, sends // rounds)
        for round_ in range(rounds):
            for sealed in (True, False) if round_ % 2 == 0 else (False, True):  # either may go first
                took[sealed] += timed_sends(*worlds[sealed], per_round)
    on, off = per_round * rounds / took[True], per_round * rounds / took[False]
    print(f"sends/s with personal data sealed {on:,.0f}, plain {off:,.0f}: ratio {on / off:.2f}", flush=True)


def mapper_cost(data_dir: Path, count: int = 20_000) -> None:
    """Microseconds to store and to read back one Message.Sent, sealed and plain (the mapper alone)."""
    from datetime import datetime, timezone
    from uuid import uuid4

    from hubbub.adapters.bootstrap import application
    from hubbub.domain.message import Message

    author = uuid4()
    sent = Message.Sent(originator_id=uuid4(), originator_version=1, timestamp=datetime.now(timezone.utc),
                        originator_topic="hubbub.domain.message:Message", room_id=uuid4(), author_id=author,
                        body="a message of ordinary length about the plan", thread_id=None, mentions=[],
                        client_msg_id=None, actor_id=author)
    costs = {}
    for sealed in (True, False, True, False):
        settings = Settings(event_store_url="memory://", data_dir=str(data_dir), encrypt_personal_data=sealed)
        app = application(settings)  # held: a collected application closes its key store
        mapper = app.mapper
        stored = mapper.to_stored_event(sent)
        _, encode_s = timed(lambda: [mapper.to_stored_event(sent) for _ in range(count)])
        _, decode_s = timed(lambda: [mapper.to_domain_event(stored) for _ in range(count)])
        best = costs.get(sealed, (float("inf"), float("inf")))
        costs[sealed] = (min(best[0], encode_s / count * 1e6), min(best[1], decode_s / count * 1e6))
    print(f"mapper per event, sealed: store {costs[True][0]:.1f} µs, read {costs[True][1]:.1f} µs; "
          f"plain: store {costs[False][0]:.1f} µs, read {costs[False][1]:.1f} µs", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--sends", type=int, default=2_000)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, sqlite_url(Path(directory)) as url:
        rates("embedded (SQLite)", url, Path(directory) / "sqlite", args.events)
    sealing_cost(sqlite_url, args.sends)
    with tempfile.TemporaryDirectory() as directory:
        mapper_cost(Path(directory))
    if args.postgres:
        # One insert of 20,000 events never returned on PostgreSQL here (client and server
        # each waiting to read); batches of 1,000 do.
        synthetic_log.BATCH = 1_000
        with tempfile.TemporaryDirectory() as directory, postgres_url() as url:
            rates("PostgreSQL", url, Path(directory), args.events)
        sealing_cost(lambda _: postgres_url(), args.sends)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
