"""Idle memory: the server's RSS growth per 1,000 idle authenticated sockets, at 1,000 and 5,000
of them, for hubbub and for the floor (bare python-socketio on the same uvicorn) in the same run.

    .venv/bin/python bench/socket_memory.py [--counts 1000,5000] [--room-size 10] [--deflate]
        [--hubbub PATH] [--server-env NAME=VALUE]

Each hubbub socket is a user of its own, signed in over HTTP and a member of one room of
--room-size; each floor socket joins a room of the same size. The baseline is the RSS after the
sign-ins and a few sockets opened and closed (first-use costs), so only the sockets are counted.
Targets: ≤ 50 MB per 1,000 and ≤ 1.2 × the floor. --deflate offers permessage-deflate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile

from sio_client import close_all
from socket_load import Recorder, connect
from socket_people import rooms_of, sign_in
from socket_servers import (add_server_options, floor, hubbub, machine_load, raise_fd_limit, rss_kib,
                            server_options)

TARGET_MB_PER_1000 = 50.0
TARGET_RATIO = 1.2
SETTLE_S = 3.0
WARMUP_SOCKETS = 20


async def growth(pid: int, base: str, auths: list[dict], counts: list[int], deflate: bool) -> dict[int, float]:
    """RSS growth in MB per 1,000 sockets at each count, against the RSS before any is held."""
    recorder = Recorder()
    warm = await connect([base], auths[:WARMUP_SOCKETS], recorder, deflate=deflate)
    await close_all(warm)
    await asyncio.sleep(SETTLE_S)
    baseline, held, figures = rss_kib(pid), [], {}
    own_baseline = rss_kib(os.getpid())
    for count in counts:
        held += await connect([base], auths[len(held):count], recorder, deflate=deflate)
        await asyncio.sleep(SETTLE_S)
        grown_kib = rss_kib(pid) - baseline
        figures[count] = grown_kib / 1024 / count * 1000
        print(f"  {count:>6} sockets: RSS +{grown_kib / 1024:.1f} MB over the baseline {baseline / 1024:.0f} MB"
              f" = {figures[count]:.1f} MB per 1,000 ({grown_kib / count:.1f} KiB a socket; the load generator's "
              f"{(rss_kib(os.getpid()) - own_baseline) / count:.1f} KiB)")
    await close_all(held)
    return figures


async def floor_growth(args) -> dict[int, float]:
    with floor() as served:
        auths = [{"room": f"room-{n // args.room_size}"} for n in range(max(args.counts))]
        return await growth(served.pid, served.base, auths, args.counts, args.deflate)


async def hubbub_growth(args) -> dict[int, float]:
    with tempfile.TemporaryDirectory(prefix="hubbub-memory-") as data_dir:
        with hubbub(args.hubbub, data_dir, args.server_env) as (served,):
            people = await sign_in(served.base, max(args.counts), "idle")
            await rooms_of(served.base, people, args.room_size, "idle-room-")
            auths = [{"token": person.token} for person in people]
            return await growth(served.pid, served.base, auths, args.counts, args.deflate)


def report(floor_mb: dict[int, float], hubbub_mb: dict[int, float]) -> bool:
    met = True
    print(f"{'sockets':>8} {'floor MB/1000':>14} {'hubbub MB/1000':>15} {'ratio':>7}  targets ≤ "
          f"{TARGET_MB_PER_1000:.0f} MB/1000 and ≤ {TARGET_RATIO} × floor")
    for count in floor_mb:
        ratio = hubbub_mb[count] / floor_mb[count]
        ok = hubbub_mb[count] <= TARGET_MB_PER_1000 and ratio <= TARGET_RATIO
        met &= ok
        print(f"{count:>8} {floor_mb[count]:>14.1f} {hubbub_mb[count]:>15.1f} {ratio:>6.2f}x  {'ok' if ok else 'MISSED'}")
    return met


async def amain(args) -> int:
    raise_fd_limit()
    print(f"idle memory, permessage-deflate {'on' if args.deflate else 'off'}, rooms of {args.room_size}; "
          f"{machine_load()}")
    print("floor (python-socketio):")
    floor_mb = await floor_growth(args)
    print("hubbub (1 process):")
    hubbub_mb = await hubbub_growth(args)
    print(machine_load())
    return 0 if report(floor_mb, hubbub_mb) else 1


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="1000,5000", help="comma-separated socket counts, ascending")
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--deflate", action="store_true", help="offer permessage-deflate")
    add_server_options(parser)
    args = server_options(parser.parse_args())
    args.counts = sorted(int(count) for count in args.counts.split(","))
    return args


if __name__ == "__main__":
    raise SystemExit(asyncio.run(amain(parse_args())))
