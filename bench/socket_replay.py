"""Replay: the events a second of one `since` replay of --events events, and the time 1,000
clients reconnecting at once, each with its own `since`, take to all reach `sync:done`; on hubbub
and on the floor (bare python-socketio emitting the same number of events from memory).

    .venv/bin/python bench/socket_replay.py [--events 100000] [--clients 1000] [--missed 5]
        [--hubbub PATH] [--server-env NAME=VALUE]

hubbub's log is filled over sockets. A replay longer than hubbub's cap (10,000 events by default)
is answered `sync:resync_required`, so the bench raises the cap to --events
(HUBBUB_GATEWAY_REPLAY_CAP; --server-env overrides it). Every replayed
client is checked: exactly the events it missed, in position order, then `sync:done`. While the
1,000 reconnect, a socket already connected sends a message every 0.1 s: its ack times say how
responsive the server stays for others.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid

import httpx

from sio_client import LeanClient, close_all
from sio_frames import Latency
from socket_load import Recorder, connect
from socket_people import Person, room_of, rooms_of, sign_in
from socket_reconnect import mass_reconnect
from socket_servers import (BenchError, add_server_options, floor, hubbub, machine_load, raise_fd_limit,
                            server_options)

FILL_IN_FLIGHT = 64


async def replay_rate(base: str, auth: dict, expected: int) -> float:
    """Durable events a second from the connect to `sync:done`, after checking that the replay
    holds the `expected` messages, in order."""
    client = LeanClient(base)
    started = time.perf_counter()
    await client.connect(auth)
    try:
        done = await _sync_done(client, timeout_s=max(60.0, expected / 500))
    finally:
        await client.close()
    replayed = client.events[:[name for name, _, _ in client.events].index("sync:done")]
    positions = [args[0]["position"] for _, args, _ in replayed]
    messages = sum(name == "message:new" for name, _, _ in replayed)
    if messages != expected or positions != sorted(set(positions)):
        raise BenchError(f"the replay brought {messages} messages (expected {expected}), "
                         f"{'in' if positions == sorted(set(positions)) else 'OUT OF'} order")
    return len(positions) / (done - started)


async def _sync_done(client: LeanClient, timeout_s: float) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for name, args, received_at in client.events[-3:]:
            if name == "sync:done":
                return received_at
            if name == "sync:resync_required":
                raise BenchError(f"the server sent sync:resync_required {args}: raise its replay cap "
                                 "with --server-env (see the gateway's settings)")
        await asyncio.sleep(0.01)
    raise BenchError(f"no sync:done within {timeout_s:.0f} s ({len(client.events)} events so far)")


async def fill(base: str, writers: list[Person], room: str, count: int) -> int:
    """`count` messages into the room over sockets, FILL_IN_FLIGHT unacknowledged at most; the last position."""
    clients = await connect([base], [{"token": writer.token} for writer in writers], Recorder())
    gate, last, started = asyncio.Semaphore(FILL_IN_FLIGHT), [0], time.perf_counter()

    async def one(n: int) -> None:
        async with gate:
            answer = await clients[n % len(clients)].call(
                "message:send", {"room_id": room, "body": f"fill {n}", "client_msg_id": str(uuid.uuid4())}, timeout=60)
        if not (isinstance(answer, dict) and answer.get("ok")):
            raise BenchError(f"a fill send was answered {answer!r}")
        last[0] = max(last[0], answer["position"])

    try:
        await asyncio.gather(*(one(n) for n in range(count)))
    finally:
        await close_all(clients)
    if count > 1:
        print(f"  filled {count} messages over sockets in {time.perf_counter() - started:.1f} s")
    return last[0]


async def caught_up(base: str, person: Person, room: str, position: int) -> None:
    """Until the read models have processed `position`: the replay is timed, not the projection's lag."""
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=person.auth) as http:
        for _ in range(60):
            answer = await http.get(f"/api/rooms/{room}/messages", params={"min_position": position, "limit": 1})
            if answer.status_code == 200:
                return
    raise BenchError(f"the read models did not reach position {position}")


async def hubbub_replay(args) -> tuple[float, Latency, Latency]:
    with tempfile.TemporaryDirectory(prefix="hubbub-replay-") as data_dir:
        with hubbub(args.hubbub, data_dir, args.server_env) as (served,):
            people = await sign_in(served.base, args.clients + 5, "replay")
            reader, writers, others = people[0], people[1:5], people[5:]
            room = await room_of(served.base, [reader, *writers], "replayed")
            since = await fill(served.base, writers, room, 1)
            last = await fill(served.base, writers, room, args.events)
            await caught_up(served.base, reader, room, last)
            rate = await replay_rate(served.base, {"token": reader.token, "since": since}, args.events)
            print(f"  replay of {args.events} events: {rate:,.0f} events/s")
            auths, expected = await missed_by_room(served.base, others, args.missed)
            storm = await mass_reconnect(served.base, auths, expected, {"token": writers[0].token}, room)
    return rate, *storm


async def missed_by_room(base: str, people: list[Person], missed: int) -> tuple[list[dict], list[list[str]]]:
    """Rooms of 10; in each, one message every member saw (its position is their `since`), then
    `missed` messages they did not see. Each person's auth, and the ids of the messages they missed."""
    rooms = await rooms_of(base, people, 10, "reconnect-")
    gate = asyncio.Semaphore(8)

    async def room_history(k: int) -> list[tuple[int, str]]:
        async with gate, httpx.AsyncClient(base_url=base, timeout=60, headers=people[k * 10].auth) as http:
            return [await _posted(http, rooms[k], n) for n in range(missed + 1)]

    histories = await asyncio.gather(*(room_history(k) for k in range(len(rooms))))
    auths = [{"token": people[n].token, "since": histories[n // 10][0][0]} for n in range(len(rooms) * 10)]
    return auths, [[message_id for _, message_id in histories[n // 10][1:]] for n in range(len(auths))]


async def _posted(http: httpx.AsyncClient, room: str, n: int) -> tuple[int, str]:
    answer = await http.post(f"/api/rooms/{room}/messages", json={"body": f"while away {n}"})
    if answer.status_code != 201:
        raise BenchError(f"POST …/messages answered {answer.status_code}: {answer.text[:200]}")
    return answer.json()["position"], answer.json()["message_id"]


async def floor_replay(args) -> tuple[float, Latency, Latency]:
    with floor() as served:
        rate = await replay_rate(served.base, {"replay": args.events}, args.events)
        print(f"  replay of {args.events} events: {rate:,.0f} events/s")
        auths = [{"room": f"room-{n // 10}", "replay": args.missed} for n in range(args.clients)]
        storm = await mass_reconnect(served.base, auths, [args.missed] * len(auths), {"room": "probe"}, "probe")
    return rate, *storm


async def amain(args) -> int:
    raise_fd_limit()
    print(f"replay; {machine_load()}")
    print("floor (python-socketio, events emitted from memory):")
    floor_figures = await floor_replay(args)
    print("hubbub (1 process):")
    hubbub_figures = await hubbub_replay(args)
    print(machine_load())
    print(f"replay: hubbub {hubbub_figures[0]:,.0f} events/s vs floor {floor_figures[0]:,.0f} "
          f"({hubbub_figures[0] / floor_figures[0]:.2f} of the floor)")
    print(f"{args.clients} reconnecting at once, all at sync:done: hubbub {hubbub_figures[1].max_ms / 1000:.2f} s "
          f"vs floor {floor_figures[1].max_ms / 1000:.2f} s")
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="events in the long replay")
    parser.add_argument("--clients", type=int, default=1_000, help="clients reconnecting at once")
    parser.add_argument("--missed", type=int, default=5, help="messages each reconnecting client missed")
    add_server_options(parser)
    args = server_options(parser.parse_args())
    args.server_env = {"HUBBUB_GATEWAY_REPLAY_CAP": str(args.events + 1_000), **args.server_env}
    return args


if __name__ == "__main__":
    raise SystemExit(asyncio.run(amain(parse_args())))
