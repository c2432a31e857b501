"""A transactional broadcast to 100,000 registered users: time until the last digest is queued, and memory.

    .venv/bin/python bench/broadcast.py [--users 100000]

The accounts are written straight through the recorder (the password hashing of 100,000
sign-ups is not what is measured), then the inbox projection catches up. Timed from the
broadcast's append: the inbox projection fanning it out, then the digest engine reading its
audience in pages and handing every digest to the outbox. The baseline, in the same run, is
reading the audience's user ids alone, page by page. Memory: the peak resident size of the
process before and after.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubbub.adapters.bootstrap import bootstrap, bootstrap_read_models  # noqa: E402
from hubbub.adapters.notifications.engine import DigestEngine  # noqa: E402
from hubbub.adapters.notifications.host import StoredPositions  # noqa: E402
from hubbub.adapters.notifications.outbox import Outbox  # noqa: E402
from hubbub.adapters.notifications.source import NotificationSource  # noqa: E402
from hubbub.adapters.settings import Settings  # noqa: E402
from hubbub.application.commands import Broadcast, Promote, Register  # noqa: E402
from hubbub.application.context import CommandContext  # noqa: E402
from hubbub.domain.account import Account  # noqa: E402
from hubbub.projections.inbox.audiences import EVERYONE  # noqa: E402
from hubbub.projections.registry import PROJECTORS  # noqa: E402
from hubbub.projections.runtime.log import EventLog  # noqa: E402
from hubbub.projections.runtime.supervisor import Supervisor  # noqa: E402
from tests.contract.fakes import PlainHasher  # noqa: E402

BATCH = 20_000


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def register(app, users: int) -> None:
    batch = []
    for n in range(users):
        account = Account.register(f"user{n:06}", None, "plain")
        batch.extend(app.mapper.to_stored_event(e) for e in account.collect_events())
        if len(batch) >= BATCH:
            app.recorder.insert_events(batch)
            batch = []
    if batch:
        app.recorder.insert_events(batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(event_store_url=f"sqlite:///{directory}/events.sqlite3", data_dir=directory,
                            projections="off")  # the projectors are caught up here, step by step
        services = bootstrap(settings, hasher=PlainHasher())
        read_models = bootstrap_read_models(settings, services, start=False)
        commands = services.commands
        admin, _ = commands.call(Register("admin", "long enough pw"))
        commands.call(Promote("admin"), CommandContext.system())
        register(services.app, args.users)
        log, read_store = EventLog(services.app), read_models.read_store
        catch_up = Supervisor(log, read_store, PROJECTORS).catch_up
        catch_up()
        outbox = Outbox(Path(directory) / "notifications.sqlite3")
        stored = StoredPositions(read_store).processed_position
        engine = DigestEngine(outbox, NotificationSource(read_models, stored), outbox.prefs_of)
        # The background host's supervisor feeds the engine, here in steps of its own.
        feed = Supervisor(log, read_store, [], [engine]).catch_up
        feed()  # the sign-ups: every user's preferences known
        before = peak_mib()

        started = time.perf_counter()
        for page in _pages(read_models):
            pass
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        commands.call(Broadcast("news", "Maintenance", "Down at 02:00", "transactional"),
                      CommandContext(actor_id=admin.id))
        catch_up()
        projected, after_projection = time.perf_counter() - started, peak_mib()
        feed()
        total = time.perf_counter() - started
        queued = engine.outbox._connection().execute("SELECT count(*) FROM digests").fetchone()[0]
        print(f"users: {args.users + 1:,}; digests queued: {queued:,}")
        print(f"baseline (read the audience's ids, in pages): {baseline:.2f} s")
        print(f"broadcast → last digest queued: {total:.2f} s (inbox fan-out {projected:.2f} s, "
              f"digest engine {total - projected:.2f} s), {total / baseline:.0f}x the baseline")
        print(f"peak resident memory: {before:.0f} MiB before the broadcast, {after_projection:.0f} MiB after "
              f"the inbox fan-out, {peak_mib():.0f} MiB after the digest engine")
        read_models.close()
        services.close()


def _pages(read_models):
    after = ""
    while page := read_models.audience_page(EVERYONE, after, 1_000):
        yield page
        after = page[-1]


if __name__ == "__main__":
    main()
