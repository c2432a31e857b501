"""The signal bus between two OS processes: the SQLite signal file against Redis pub/sub (same run).

    .venv/bin/python bench/signal_transport.py [--rate 200] [--seconds 5] [--idle-s 5]

A child process publishes `rate` signals a second for `seconds`, each stamped with its send
time; this process listens and reports publish-to-handler latency (p50, p99, max) and how many
arrived. Then the CPU a started, idle listener costs this process (its poll loop). Redis is
the baseline, when it answers at HUBBUB_TEST_REDIS_URL (default 127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis.asyncio import Redis  # noqa: E402

from hubbub.adapters.signals.bus import RedisBus  # noqa: E402
from hubbub.adapters.signals.sqlite_bus import SqliteBus  # noqa: E402
from hubbub.adapters.signals.sqlite_file import SignalFile  # noqa: E402

REDIS_URL = os.environ.get("HUBBUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def bus_for(where: str):
    if where.startswith("redis:"):
        return RedisBus(Redis.from_url(REDIS_URL), channel=where.removeprefix("redis:"))
    return SqliteBus(SignalFile(where))


async def publish(where: str, rate: int, seconds: float) -> None:
    bus = bus_for(where)
    for n in range(int(rate * seconds)):
        await bus.publish("bench", {"n": n, "sent": time.time()})
        await asyncio.sleep(1 / rate)
    await bus.publish("bench", {"n": -1, "sent": time.time()})
    await bus.close()


async def latency(where: str, rate: int, seconds: float) -> tuple[list[float], int]:
    bus, delays, done = bus_for(where), [], asyncio.Event()

    async def heard(kind: str, payload: dict) -> None:
        if payload["n"] < 0:
            done.set()
        else:
            delays.append(time.time() - payload["sent"])

    bus.subscribe(heard)
    await bus.start()
    child = await asyncio.create_subprocess_exec(sys.executable, __file__, "--publish", where,
                                                 "--rate", str(rate), "--seconds", str(seconds))
    await child.wait()
    await asyncio.wait_for(done.wait(), 30)
    await bus.close()
    return delays, int(rate * seconds)


async def idle_cpu(where: str, seconds: float) -> float:
    bus = bus_for(where)
    await bus.start()
    before = time.process_time()
    await asyncio.sleep(seconds)
    used = time.process_time() - before
    await bus.close()
    return used / seconds


def row(name: str, delays: list[float], sent: int, cpu: float) -> str:
    ms = sorted(d * 1000 for d in delays)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (f"{name:22}{len(ms):>6}/{sent:<6}{statistics.median(ms):>9.2f}{p99:>9.2f}{ms[-1]:>9.2f}"
            f"{cpu * 100:>11.2f} %")


async def redis_answers() -> bool:
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(await redis.ping())
    except OSError:
        return False
    finally:
        await redis.aclose()


async def main(rate: int, seconds: float, idle_s: float) -> None:
    targets = {"sqlite signal file": str(Path(tempfile.mkdtemp()) / "signals.sqlite3")}
    if await redis_answers():
        targets["redis pub/sub"] = f"redis:bench-signals-{uuid.uuid4().hex[:8]}"
    print(f"{rate} signals/s for {seconds:g} s from a child process; idle CPU over {idle_s:g} s")
    print(f"{'transport':22}{'arrived':>13}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'idle CPU':>13}")
    for name, where in targets.items():
        delays, sent = await latency(where, rate, seconds)
        print(row(name, delays, sent, await idle_cpu(where, idle_s)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--publish")
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--idle-s", type=float, default=5.0)
    args = parser.parse_args()
    if args.publish:
        asyncio.run(publish(args.publish, args.rate, args.seconds))
    else:
        asyncio.run(main(args.rate, args.seconds, args.idle_s))
