"""Fan-out latency: messages sent over sockets at a steady rate, timed from send to each member's
receipt, on hubbub (one process, then two processes sharing Redis) against the floor (bare
python-socketio on the same uvicorn: bench/socket_floor.py; two of them share rooms through
python-socketio's AsyncRedisManager) with the same clients and rooms.

    .venv/bin/python bench/socket_fanout.py [--clients 1000] [--room-size 10] [--rate 200]
        [--duration 20] [--big-rate 5] [--no-big-room] [--no-redis] [--hubbub PATH]

Prints p50/p99/max for each, the ratio of hubbub's p99 to the floor's, and the target
(p99 ≤ 50 ms). Then one room holding every client at --big-rate messages a second. The load
generator (bench/sio_client.py) shares the machine's cores with the servers; its CPU is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile

from sio_client import LeanClient, close_all
from sio_frames import ratio
from socket_load import Outcome, Plan, Recorder, connect, fan_out, prove_delivery
from socket_people import room_of, rooms_of, sign_in
from socket_servers import (add_server_options, cpu_s, floors, hubbub, own_cpu_s, raise_fd_limit,
                            machine_load, redis_url_or_reason, server_options)

TARGET_P99_MS = 50.0


class Run:
    """One server set-up measured: its clients, their small rooms, and the big room (if any)."""

    def __init__(self, name: str, pids: list[int], clients: list[LeanClient], rooms: list[str], big: str | None):
        self.name, self.pids, self.clients, self.rooms, self.big = name, pids, clients, rooms, big

    async def measure(self, recorder: Recorder, plan: Plan, big_plan: Plan | None) -> dict[str, Outcome]:
        await prove_delivery(recorder, self.clients, self.rooms)
        outcomes = {"rooms": await self._timed(recorder, self.rooms, "rooms", plan)}
        if big_plan and self.big:
            outcomes["big"] = await self._timed(recorder, [self.big] * len(self.clients), "big", big_plan)
        return outcomes

    async def _timed(self, recorder: Recorder, rooms: list[str], kind: str, plan: Plan) -> Outcome:
        before = own_cpu_s(), sum(cpu_s(pid) for pid in self.pids)
        outcome = await fan_out(recorder, self.clients, rooms, f"{self.name}-{kind}".replace(" ", "_"), plan)
        mine, theirs = own_cpu_s() - before[0], sum(cpu_s(pid) for pid in self.pids) - before[1]
        print(f"  {self.name:<28} {kind:<6} {outcome.deliveries.line()}   acks p99 {outcome.acks.p99_ms:.1f} ms"
              f"   cpu: server {theirs:.1f} s, load generator {mine:.1f} s")
        if outcome.problems():
            print(f"  {'':<28} {kind:<6} PROBLEM: {outcome.problems()}")
        return outcome


async def floor_runs(args, recorder: Recorder, redis_url: str) -> dict[str, dict[str, Outcome]]:
    """One floor process (small rooms and the big room); two sharing Redis (small rooms), as hubbub."""
    results = {}
    with floors() as servers:
        results["1"] = await _floor_run("floor, 1 process", servers, recorder, args, big=not args.no_big_room)
    if redis_url:
        with floors(2, redis_url) as servers:
            results["2"] = await _floor_run("floor, 2 processes + Redis", servers, recorder, args, big=False)
    return results


async def _floor_run(name: str, servers: list, recorder: Recorder, args, big: bool) -> dict[str, Outcome]:
    rooms = [f"room-{n // args.room_size}" for n in range(args.clients)]
    clients = await connect([s.base for s in servers], [{"room": room} for room in rooms], recorder)
    try:
        if big:
            await asyncio.gather(*(client.call("join", {"room": "big"}) for client in clients))
        run = Run(name, [s.pid for s in servers], clients, rooms, "big" if big else None)
        return await run.measure(recorder, plan(args), big_plan(args))
    finally:
        await close_all(clients)


async def hubbub_runs(args, recorder: Recorder, redis_url: str) -> dict[str, dict[str, Outcome]]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="hubbub-fanout-") as data_dir:
        with hubbub(args.hubbub, data_dir, args.server_env) as servers:
            people, rooms, big = await _people_and_rooms(servers[0].base, args)
            results["1"] = await _hubbub_run("hubbub, 1 process", servers, people, rooms, big, recorder, args)
        if redis_url:
            with hubbub(args.hubbub, data_dir, {**args.server_env, "HUBBUB_REDIS_URL": redis_url},
                        processes=2) as servers:
                results["2"] = await _hubbub_run("hubbub, 2 processes + Redis", servers, people, rooms, None,
                                                 recorder, args)
    return results


async def _people_and_rooms(base: str, args):
    people = await sign_in(base, args.clients, "fan")
    rooms = await rooms_of(base, people, args.room_size, "fan-room-")
    big = None if args.no_big_room else await room_of(base, people, "everyone")
    member_rooms = [rooms[n // args.room_size] for n in range(len(rooms) * args.room_size)]
    return people[:len(member_rooms)], member_rooms, big


async def _hubbub_run(name, servers, people, rooms, big, recorder, args) -> dict[str, Outcome]:
    clients = await connect([s.base for s in servers], [{"token": p.token} for p in people], recorder)
    try:
        run = Run(name, [s.pid for s in servers], clients, rooms, big)
        return await run.measure(recorder, plan(args), big_plan(args) if big else None)
    finally:
        await close_all(clients)


def plan(args) -> Plan:
    return Plan(args.rate, args.duration)


def big_plan(args) -> Plan | None:
    return None if args.no_big_room else Plan(args.big_rate, args.duration)


def summary(floor_outcomes: dict[str, dict[str, Outcome]], hubbub_outcomes: dict[str, dict[str, Outcome]]) -> bool:
    """hubbub's p99 against the floor's with as many processes; the target on the small rooms."""
    met = True
    for processes, outcomes in hubbub_outcomes.items():
        for kind, outcome in outcomes.items():
            base = floor_outcomes[processes][kind].deliveries.p99_ms
            p99 = outcome.deliveries.p99_ms
            verdict = ""
            if kind == "rooms":
                ok = p99 <= TARGET_P99_MS and not outcome.problems()
                met &= ok
                verdict = f"   target p99 ≤ {TARGET_P99_MS:.0f} ms: {'ok' if ok else 'MISSED'}"
            print(f"{processes} process(es), {kind:<5}: p99 {p99:.1f} ms vs floor {base:.1f} ms = "
                  f"{ratio(p99, base)}{verdict}")
    return met


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--rate", type=float, default=200, help="messages per second into the small rooms")
    parser.add_argument("--big-rate", type=float, default=5, help="messages per second into the room of everyone")
    parser.add_argument("--duration", type=float, default=20, help="seconds of sending per measurement")
    parser.add_argument("--no-big-room", action="store_true")
    parser.add_argument("--no-redis", action="store_true", help="skip the two-process run")
    add_server_options(parser)
    return server_options(parser.parse_args())


async def amain(args) -> int:
    raise_fd_limit()
    recorder = Recorder()
    print(f"fan-out: {args.clients} clients in rooms of {args.room_size} at {args.rate:g} msg/s, "
          f"and one room of {args.clients} at {args.big_rate:g} msg/s; {args.duration:g} s each "
          f"(the first 2 s untimed); {machine_load()}")
    redis_url, reason = redis_url_or_reason(args.no_redis)
    if reason:
        print(f"two processes + Redis: skipped ({reason})")
    floor_outcomes = await floor_runs(args, recorder, redis_url)
    hubbub_outcomes = await hubbub_runs(args, recorder, redis_url)
    print(machine_load())
    return 0 if summary(floor_outcomes, hubbub_outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(amain(parse_args())))
