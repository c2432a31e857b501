"""What the gateway's design costs: send-to-receive latency over sockets through hubbub's path
(socket command -> log -> feed projector -> feed tail -> room emit), against a bare python-socketio
server that acks each message:send and emits it to the sender's room, in the same run.

    .venv/bin/python bench/gateway_paths.py [--clients 200] [--room-size 10] [--rate 100] [--seconds 10]
                                            [--modes process,thread] [--replay 20000]

Each mode runs a fresh `hubbub serve` on an embedded store (HUBBUB_PROJECTIONS=<mode>). Latency is
from just before the send to each member's receipt (one machine, one clock); "commit→emit" is the
server's own histogram. --replay N also times a `since` replay of N events to sync:done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from http_load import free_port, hubbub_env, served  # noqa: E402

@contextmanager
def hubbub(mode: str, data_dir: str) -> Iterator[str]:
    """A `hubbub serve` with its projectors where `mode` says, limits out of the way."""
    port, url = _address()
    env = {**hubbub_env(data_dir, ""), "HUBBUB_PROJECTIONS": mode, "HUBBUB_PASSWORD_TIME_COST": "1",
           "HUBBUB_PASSWORD_MEMORY_COST_KIB": "1024", "HUBBUB_GATEWAY_REPLAY_CAP": "1000000",
           "HUBBUB_GATEWAY_CONNECTIONS_PER_USER": "100"}
    with served([sys.executable, "-m", "hubbub.adapters.cli", "serve", "--port", str(port)], env, f"{url}/health"):
        yield url


@contextmanager
def floor(redis_url: str = "") -> Iterator[str]:
    port, url = _address()
    # The one floor of the socket benches: bare python-socketio, acking and emitting to the room.
    command = [sys.executable, str(ROOT / "bench" / "socket_floor.py"), "--port", str(port)]
    with served(command + (["--redis-url", redis_url] if redis_url else []), dict(os.environ),
                f"{url}/socket.io/?EIO=4&transport=polling"):
        yield url


def _address() -> tuple[int, str]:
    port = free_port()
    return port, f"http://127.0.0.1:{port}"


def seed_hubbub(url: str, clients: int, room_size: int) -> tuple[list[str], list[str], list[int]]:
    """Tokens, room ids and each client's room index, once the server is ready."""
    deadline = time.monotonic() + 60
    while httpx.get(f"{url}/ready", timeout=30).status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit("hubbub did not get ready")
        time.sleep(0.2)
    with httpx.Client(base_url=url, timeout=30) as http:
        users = []
        for n in range(clients):
            name = f"bench{n}"
            user_id = http.post("/api/auth/register", json={"username": name, "password": "bench password"}).json()["user_id"]
            token = http.post("/api/auth/login", json={"username": name, "password": "bench password"}).json()["access_token"]
            users.append((user_id, token))
        rooms, room_of = [], []
        for start in range(0, clients, room_size):
            group = users[start:start + room_size]
            body = {"kind": "group", "name": "bench", "member_ids": [u for u, _ in group[1:]]}
            rooms.append(http.post("/api/rooms", json=body, headers={"Authorization": f"Bearer {group[0][1]}"}).json()["room_id"])
            room_of += [len(rooms) - 1] * len(group)
    return [t for _, t in users], rooms, room_of


async def run_load(url: str, tokens: list[str], rooms: list[str], room_of: list[int], rate: float,
                   seconds: float, join: bool) -> list[float]:
    latencies: list[float] = []
    clients = []
    live = []
    # hubbub: from the log's head on, and only once each socket says it is live (sync:done).
    since = None if join else httpx.get(f"{url}/ready", timeout=30).json()["checks"]["event_store"]["head"]
    for n, token in enumerate(tokens):
        client = socketio.AsyncClient(reconnection=False)

        async def received(data):
            sent_at = data["message"].get("sent_at") if isinstance(data.get("message"), dict) else None
            body = data["message"].get("body") if sent_at is None else None
            if sent_at is None and body and body.startswith("t="):
                sent_at = float(body[2:])
            if sent_at is not None:
                latencies.append(time.time() - sent_at)

        client.on("message:new", received)
        client.on("sync:done", lambda *_: live.append(1))
        auth = {"token": token} if since is None else {"token": token, "since": since}
        await client.connect(url, auth=auth, transports=["websocket"], wait_timeout=30)
        if join:
            await client.call("join", {"room": rooms[room_of[n]]})
            live.append(1)
        clients.append(client)
    while len(live) < len(clients):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    pending = []
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        n = random.randrange(len(clients))
        body = f"t={time.time():.6f}"
        payload = {"room_id": rooms[room_of[n]], "body": body, "client_msg_id": f"{n}-{sent}", "sent_at": time.time()}
        if not join:
            payload.pop("sent_at")
        pending.append(asyncio.create_task(clients[n].call("message:send", payload, timeout=30)))
        sent += 1
        await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))
    await asyncio.gather(*pending)
    await asyncio.sleep(2.0)
    for client in clients:
        await client.disconnect()
    return latencies


async def time_replay(url: str, token: str, events: int) -> float:
    client = socketio.AsyncClient(reconnection=False)
    done = asyncio.Event()
    count = 0

    async def counted(*_):
        nonlocal count
        count += 1

    client.on("message:new", counted)
    client.on("sync:done", lambda *_: done.set())
    started = time.monotonic()
    await client.connect(url, auth={"token": token, "since": 0}, transports=["websocket"], wait_timeout=30)
    await asyncio.wait_for(done.wait(), 600)
    elapsed = time.monotonic() - started
    await client.disconnect()
    return count / elapsed


def seed_replay(url: str, token: str, room: str, events: int) -> None:
    with httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:
        for n in range(events):
            http.post(f"/api/rooms/{room}/messages", json={"body": f"r{n}"})


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def fanout_delay(url: str) -> str:
    text = httpx.get(f"{url}/metrics").text
    buckets = [(float(le), float(v)) for le, v in re.findall(
        r'hubbub_socket_fanout_delay_seconds_bucket\{le="([0-9.e+-]+)"\} ([0-9.e+]+)', text)]
    total = max((v for _, v in buckets), default=0)
    if not total:
        return "n/a"
    p50 = next(le for le, v in buckets if v >= total * 0.5)
    p99 = next(le for le, v in buckets if v >= total * 0.99)
    return f"commit→emit p50 ≤ {p50 * 1000:g} ms, p99 ≤ {p99 * 1000:g} ms ({int(total)} emits)"


def report(name: str, latencies: list[float], expected: int, extra: str = "") -> float:
    print(f"{name:>22}: {len(latencies)}/{expected} deliveries, p50 {pct(latencies, 0.5):.1f} ms, "
          f"p99 {pct(latencies, 0.99):.1f} ms, max {pct(latencies, 1.0):.1f} ms {extra}")
    return pct(latencies, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--modes", default="process,thread")
    parser.add_argument("--replay", type=int, default=0)
    args = parser.parse_args()
    expected = int(args.rate * args.seconds) * args.room_size
    print(f"{args.clients} clients in rooms of {args.room_size}, {args.rate:g} msg/s for {args.seconds:g} s")

    with floor() as url:
        rooms = [f"room{n}" for n in range(args.clients // args.room_size)]
        room_of = [n // args.room_size for n in range(args.clients)]
        lat = asyncio.run(run_load(url, [""] * args.clients, rooms, room_of, args.rate, args.seconds, True))
        floor_p99 = report("bare python-socketio", lat, expected)
    for mode in args.modes.split(","):
        with tempfile.TemporaryDirectory() as data_dir, hubbub(mode, data_dir) as url:
            tokens, rooms, room_of = seed_hubbub(url, args.clients, args.room_size)
            lat = asyncio.run(run_load(url, tokens, rooms, room_of, args.rate, args.seconds, False))
            p99 = report(f"hubbub ({mode})", lat, expected, f"— {fanout_delay(url)}")
            print(f"{'':>22}  p99 ratio to the floor: {p99 / floor_p99:.2f}")
            if args.replay:
                seed_replay(url, tokens[0], rooms[0], args.replay)
                rate = asyncio.run(time_replay(url, tokens[0], args.replay))
                print(f"{'':>22}  replay since 0: {rate:,.0f} events/s")


if __name__ == "__main__":
    main()
