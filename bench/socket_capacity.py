"""Connections held: 10,000 idle sockets on one process, opened 1,000 at a time and then held
through Engine.IO's ping cycle, on the floor and on hubbub, saying what binds first.

    .venv/bin/python bench/socket_capacity.py [--sockets 10000] [--step 1000] [--hold 30]
        [--per-user 10] [--hubbub PATH] [--server-env NAME=VALUE]

The file-descriptor limit is raised to the hard limit for the bench and the servers it starts.
Each step prints the connect rate, the server's RSS and the CPU both sides spent; the hold
prints how many sockets survived it and how fast a socket message is answered meanwhile.
hubbub's sockets are --per-user to a user (the contract caps a user's sockets, 10 by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import dataclass, field

from sio_client import LeanClient, close_all
from sio_frames import Latency
from socket_load import Recorder, connect, probe_ack_ms
from socket_people import room_of, rooms_of, sign_in
from socket_servers import (BenchError, add_server_options, cpu_s, floor, hubbub, machine_load, own_cpu_s,
                            raise_fd_limit, rss_kib, server_options)

CORES = os.cpu_count() or 1


@dataclass
class Held:
    sockets: int = 0
    seconds: float = 0.0
    server_cpu_s: float = 0.0
    generator_cpu_s: float = 0.0
    failure: str = ""
    step_cpu_ms: list[float] = field(default_factory=list)  # the server's CPU a socket, step by step
    idle_busy: float = 0.0  # the share of a core the server used holding them
    ping_interval_s: float = 0.0


async def open_steps(pid: int, base: str, auths: list[dict], step: int) -> tuple[list[LeanClient], Held]:
    recorder, clients, held = Recorder(), [], Held()
    for start in range(0, len(auths), step):
        before = time.perf_counter(), cpu_s(pid), own_cpu_s()
        try:
            clients += await connect([base], auths[start:start + step], recorder)
        except BenchError as error:
            held.failure = str(error)
            print(f"  stopped at {len(clients)} sockets: {error}")
            break
        spent = time.perf_counter() - before[0], cpu_s(pid) - before[1], own_cpu_s() - before[2]
        held.seconds, held.server_cpu_s, held.generator_cpu_s = (
            held.seconds + spent[0], held.server_cpu_s + spent[1], held.generator_cpu_s + spent[2])
        held.step_cpu_ms.append(spent[1] / len(auths[start:start + step]) * 1000)
        print(f"  {len(clients):>6} sockets  +{len(auths[start:start + step])} in {spent[0]:5.2f} s "
              f"({len(auths[start:start + step]) / spent[0]:5.0f}/s)  server RSS {rss_kib(pid) / 1024:6.0f} MB  "
              f"cpu: server {spent[1]:.2f} s, load generator {spent[2]:.2f} s")
    held.sockets = len(clients)
    held.ping_interval_s = clients[0].ping_interval_s if clients else 0.0
    return clients, held


async def hold(pid: int, clients: list[LeanClient], probe: LeanClient, room: str, seconds: float, held: Held) -> None:
    """Keep the sockets through at least one ping cycle, timing a message:send ack every 0.2 s."""
    answers, started, cpu_before = [], time.perf_counter(), cpu_s(pid)
    while time.perf_counter() - started < seconds:
        answers.append(await probe_ack_ms(probe, room))
        await asyncio.sleep(0.2)
    alive = sum(not client.closed.is_set() for client in clients)
    held.idle_busy = (cpu_s(pid) - cpu_before) / (time.perf_counter() - started)
    print(f"  held {seconds:g} s: {alive} of {len(clients)} still connected; server busy {held.idle_busy * 100:.0f}% "
          f"of a core idling; probe acks {Latency.of(answers).line('acks')}")


def what_binds(held: Held, wanted: int, fd_limit: int, pid: int) -> None:
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    cpu_share = (held.server_cpu_s + held.generator_cpu_s) / (held.seconds * CORES) if held.seconds else 0
    print(f"  file descriptors: server holds {fds} of its limit {fd_limit}; the load generator "
          f"holds one a socket under the same limit")
    print(f"  connecting used {cpu_share * 100:.0f}% of the {CORES} cores: server {held.server_cpu_s:.1f} s, "
          f"load generator {held.generator_cpu_s:.1f} s of CPU "
          f"({held.server_cpu_s / max(held.sockets, 1) * 1000:.2f} and "
          f"{held.generator_cpu_s / max(held.sockets, 1) * 1000:.2f} ms a socket)")
    print(f"  {machine_load()}")
    if held.failure:
        print(f"  binds first: {held.failure}")
    elif fds > 0.9 * fd_limit:
        print("  binds first: file descriptors")
    else:
        pings = held.sockets / held.ping_interval_s if held.ping_interval_s else 0
        print(f"  binds first: CPU, not file descriptors ({fds / fd_limit * 100:.0f}% of the limit at {wanted} "
              f"sockets): a connect cost the server {held.step_cpu_ms[0]:.2f} ms of CPU in the first step and "
              f"{held.step_cpu_ms[-1]:.2f} ms in the last; held idle, {pings:.0f} Engine.IO pings a second "
              f"kept it {held.idle_busy * 100:.0f}% busy")


async def measure(name: str, pid: int, base: str, auths: list[dict], probe_auth: dict, room: str, args) -> None:
    print(f"{name}:")
    clients, held = await open_steps(pid, base, auths, args.step)
    probe = (await connect([base], [probe_auth], Recorder()))[0]
    try:
        await hold(pid, clients, probe, room, args.hold, held)
        what_binds(held, args.sockets, args.fd_limit, pid)
    finally:
        await close_all([*clients, probe])


async def floor_capacity(args) -> None:
    with floor() as served:
        auths = [{"room": f"idle-{n // 10}"} for n in range(args.sockets)]
        await measure("floor (python-socketio)", served.pid, served.base, auths, {"room": "probe"}, "probe", args)


async def hubbub_capacity(args) -> None:
    users = -(-args.sockets // args.per_user)
    with tempfile.TemporaryDirectory(prefix="hubbub-capacity-") as data_dir:
        with hubbub(args.hubbub, data_dir, args.server_env) as (served,):
            people = await sign_in(served.base, users + 1, "held")
            probe, people = people[0], people[1:]
            await rooms_of(served.base, people, 10, "held-room-")
            room = await room_of(served.base, [probe, people[0]], "probe-room")
            auths = [{"token": people[n % users].token} for n in range(args.sockets)]
            await measure(f"hubbub (1 process, {users} users × {args.per_user} sockets)", served.pid, served.base,
                          auths, {"token": probe.token}, room, args)


async def amain(args) -> int:
    args.fd_limit = raise_fd_limit()
    print(f"{args.sockets} idle sockets, {args.step} at a time; open files limit {args.fd_limit} "
          f"(soft limit raised to the hard one); {CORES} cores shared by the servers and the load generator")
    await floor_capacity(args)
    await hubbub_capacity(args)
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--step", type=int, default=1_000)
    parser.add_argument("--hold", type=float, default=30, help="seconds to hold them (Engine.IO pings every 25 s)")
    parser.add_argument("--per-user", type=int, default=10, help="hubbub sockets per signed-in user")
    add_server_options(parser)
    return server_options(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(asyncio.run(amain(parse_args())))
