"""Does the in-process rate-limit counter stay fast with many keys?

Each step hits a batch of new keys (every request from a new address, as a flood of spoofed or
rotating clients would), then measures the per-request cost of the next batch at that number of
live keys, up to 1,000,000. Then every window ends at once (the fake clock jumps past them all)
and new keys keep coming: the counter forgets the ended windows a few per request, so no single
request pays for them. The baseline, measured in the same run, is the floor any counter pays:
one dict lookup and store per request.

    .venv/bin/python bench/ratelimit_keys.py [--keys 1000000] [--batch 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubbub.adapters.ratelimit.memory import InProcessCounter  # noqa: E402
from hubbub.adapters.ratelimit.policy import parse_rate  # noqa: E402

RATE = parse_rate("600/15m")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _batch_us(counter: InProcessCounter, start: int, count: int) -> tuple[float, float]:
    """(mean, worst) microseconds per hit for `count` new keys."""
    worst, began = 0.0, time.perf_counter()
    for n in range(start, start + count):
        one = time.perf_counter()
        await counter.hit(f"other:ip:{n}", RATE)
        worst = max(worst, time.perf_counter() - one)
    return (time.perf_counter() - began) / count * 1e6, worst * 1e6


def _baseline_us(store: dict, start: int, count: int) -> tuple[float, float]:
    worst, began = 0.0, time.perf_counter()
    for n in range(start, start + count):
        one = time.perf_counter()
        key = f"other:ip:{n}"
        count_so_far, ends = store.get(key, (0, 0.0))
        store[key] = (count_so_far + 1, ends or 900.0)
        worst = max(worst, time.perf_counter() - one)
    return (time.perf_counter() - began) / count * 1e6, worst * 1e6


def _row(live: int, mean: float, worst: float, floor: tuple[float, float]) -> str:
    return f"{live:>10,} {mean:>15.2f} {worst:>9.0f} {floor[0]:>13.2f} {floor[1]:>11.0f} {mean / floor[0]:>6.2f}"


async def run(total: int, batch: int) -> None:
    clock = Clock()
    counter, baseline = InProcessCounter(clock=clock), {}
    checkpoints = sorted({c for c in (0, 10_000, 100_000, 250_000, 500_000, total - batch) if c <= total - batch})
    print(f"{'live keys':>10} {'counter µs/req':>15} {'worst µs':>9} {'floor µs/req':>13} {'floor worst':>11} {'ratio':>6}")
    done = 0
    for checkpoint in checkpoints:
        for start in range(done, checkpoint, batch):  # fill up to the checkpoint, unmeasured
            size = min(batch, checkpoint - start)
            await _batch_us(counter, start, size)
            _baseline_us(baseline, start, size)
        mean, worst = await _batch_us(counter, checkpoint, batch)
        floor = _baseline_us(baseline, checkpoint, batch)
        done = checkpoint + batch
        print(_row(len(counter), mean, worst, floor))
    clock.now += RATE.window_s + 1  # every window ends at once
    print(f"all {len(counter):,} windows ended; new keys keep coming:")
    for _ in range(3):
        mean, worst = await _batch_us(counter, done, batch)
        floor = _baseline_us(baseline, done, batch)
        done += batch
        print(_row(len(counter), mean, worst, floor))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(run(args.keys, args.batch))


if __name__ == "__main__":
    main()
