"""What a Redis outage costs live delivery across two processes: python-socketio's AsyncRedisManager
(every emit published on Redis pub/sub) against hubbub (every process follows the shared feed;
Redis holds rate-limit counters only), in the same run, with the same kill and restart of Redis.

    .venv/bin/python bench/redis_outage.py [--events 300] [--rate 100] [--outage 0.5]

A client of process A emits (or sends) --events at --rate; a client of process B counts what
arrives. Redis is killed one second in and restarted --outage seconds later.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_paths import floor, hubbub, seed_hubbub  # noqa: E402
from http_load import free_port  # noqa: E402

class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL)
        time.sleep(0.3)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


async def measure(sender_url: str, receiver_url: str, sender_token: str, receiver_token: str, room: str,
                  join: bool, redis: Redis, events: int, rate: float, outage: float) -> tuple[int, int]:
    received: set[str] = set()
    sender, receiver = socketio.AsyncClient(reconnection=False), socketio.AsyncClient(reconnection=False)
    receiver.on("message:new", lambda data: received.add(data["message"]["body"]))
    await receiver.connect(receiver_url, auth={"token": receiver_token}, transports=["websocket"])
    await sender.connect(sender_url, auth={"token": sender_token}, transports=["websocket"])
    if join:
        await receiver.call("join", {"room": room})
        await sender.call("join", {"room": room})
    await asyncio.sleep(0.5)

    async def outage_window() -> None:
        await asyncio.sleep(1.0)
        redis.kill()
        await asyncio.sleep(outage)
        redis.start()

    window = asyncio.create_task(outage_window())
    acked = 0
    started = time.monotonic()
    for n in range(events):
        ack = await sender.call("message:send", {"room_id": room, "body": f"m{n}", "client_msg_id": f"m{n}"},
                                timeout=30)
        acked += bool(ack.get("ok"))
        await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
    await window
    await asyncio.sleep(3.0)
    await sender.disconnect()
    await receiver.disconnect()
    return acked, len(received)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--outage", type=float, default=0.5)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("needs the redis-server binary")
    redis = Redis()
    redis.start()
    try:
        with floor(redis.url) as first, floor(redis.url) as second:
            acked, got = asyncio.run(measure(first, second, "", "", "r", True, redis, args.events, args.rate,
                                             args.outage))
        print(f"AsyncRedisManager: {acked} acked, {got} delivered to the other process ({acked - got} lost)")
        os.environ["HUBBUB_REDIS_URL"] = redis.url
        with tempfile.TemporaryDirectory() as data_dir, hubbub("process", data_dir) as first, \
                hubbub("process", data_dir) as second:
            tokens, rooms, _ = seed_hubbub(first, 2, 2)
            acked, got = asyncio.run(measure(first, second, tokens[0], tokens[1], rooms[0], False, redis,
                                             args.events, args.rate, args.outage))
        print(f"hubbub (feed):     {acked} acked, {got} delivered to the other process ({acked - got} lost)")
    finally:
        redis.kill()


if __name__ == "__main__":
    main()
