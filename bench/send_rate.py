"""Send-message commands per second through the application, against the raw insert rate
of the same event store in the same run.

    .venv/bin/python bench/send_rate.py [--messages 2000] [--backends sqlite,postgres[,mongodb]]

The baseline inserts, one transaction each, stored events of the same shape a send appends,
straight through the recorder: what the store can do with no application around it. Target:
ratio ≥ 0.7.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubbub.adapters.bootstrap import bootstrap  # noqa: E402
from hubbub.adapters.settings import Settings  # noqa: E402
from hubbub.application.commands import CreateRoom, Register, SendMessage  # noqa: E402
from hubbub.application.context import CommandContext  # noqa: E402
from hubbub.domain.message import Message  # noqa: E402
from hubbub.domain.room import Room  # noqa: E402
from tests.backends import event_store_url  # noqa: E402
from tests.contract.fakes import PlainHasher  # noqa: E402

TARGET = 0.7


def seeded(services, members: int = 20):
    people = [services.commands.call(Register(f"user{i}", "bench password"))[0] for i in range(members)]
    owner = CommandContext(actor_id=people[0].id)
    room, _, _ = services.commands.call(CreateRoom("channel", [p.id for p in people[1:]], name="bench"), owner)
    return people, room


def timed_sends(services, people, room, count: int) -> float:
    """Seconds for `count` new sends, each with a fresh client_msg_id (no retries)."""
    contexts = [CommandContext(actor_id=p.id) for p in people]
    batch = uuid4().hex[:8]
    started = time.perf_counter()
    for i in range(count):
        context = contexts[i % len(contexts)]
        body = f"message {i} for @user{(i + 1) % len(people)}"
        services.commands.call(SendMessage(room.id, body, client_msg_id=f"{batch}-{i}"), context)
    return time.perf_counter() - started


def timed_raw_inserts(services, people, room_id, count: int) -> float:
    """Seconds to insert `count` Sent events of the same shape, one transaction each."""
    room = services.app.repository.get(room_id)
    mapper, recorder = services.app.mapper, services.app.recorder
    stored = []
    for i in range(count):
        message = Message.compose(room, people[i % len(people)].id, f"message {i} for @user1", [],
                                  None, uuid4(), client_msg_id=f"raw-{uuid4().hex}")
        stored.append(mapper.to_stored_event(message.collect_events()[0]))
    started = time.perf_counter()
    for event in stored:
        recorder.insert_events([event])
    return time.perf_counter() - started


def measure(backend: str, count: int, directory: Path, sealed: bool, rounds: int = 5) -> tuple[float, float]:
    """Alternate rounds of both, so load on the machine weighs on each side alike."""
    with event_store_url(backend, directory) as url:
        settings = Settings(event_store_url=url, data_dir=str(directory), encrypt_personal_data=sealed)
        services = bootstrap(settings, hasher=PlainHasher())
        try:
            people, room = seeded(services)
            timed_sends(services, people, room, 100)  # warm caches and connections
            timed_raw_inserts(services, people, room.id, 100)
            per_round = max(1, count // rounds)
            app_s = raw_s = 0.0
            for _ in range(rounds):
                app_s += timed_sends(services, people, room, per_round)
                raw_s += timed_raw_inserts(services, people, room.id, per_round)
        finally:
            services.close()
    return per_round * rounds / app_s, per_round * rounds / raw_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    default = "sqlite,postgres" + (",mongodb" if os.environ.get("MONGODB_URL") else "")
    parser.add_argument("--backends", default=default)
    parser.add_argument("--plain-personal-data", action="store_true",
                        help="send without sealing personal data per user (HUBBUB_ENCRYPT_PERSONAL_DATA=false)")
    args = parser.parse_args()
    print(f"{'backend':<10} {'sends/s':>10} {'raw inserts/s':>14} {'ratio':>7}  target ≥ {TARGET}")
    worst = float("inf")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as directory:
            app_rate, raw_rate = measure(backend, args.messages, Path(directory), not args.plain_personal_data)
        ratio = app_rate / raw_rate
        worst = min(worst, ratio)
        print(f"{backend:<10} {app_rate:>10.0f} {raw_rate:>14.0f} {ratio:>7.2f}  {'ok' if ratio >= TARGET else 'BELOW TARGET'}")
    return 0 if worst >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
