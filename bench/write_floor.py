"""How fast can any durable write over HTTP go here? The floor under bench/http_load.py's ratio.

Serves, one after the other and the same way as http_load.py (uvicorn, one worker), a bare
Litestar JSON echo and two endpoints that store each body durably in SQLite (WAL,
synchronous=FULL) before answering 201, with nothing else: no auth, no rate limit, no event
sourcing, no metrics.

- thread: each request commits its own row from a worker thread (what a plain ORM app does);
- batched: one writer thread commits whatever rows are waiting in one transaction (group commit
  at its cheapest: one hand-off per batch).

It then measures the CPU a send's domain and event-sourcing work costs with no I/O at all
(Message.compose, the aggregate event, mapping to a stored event), and derives the best ratio
an event-sourced POST could reach on this machine: the batched floor plus that CPU, against
the echo.

    .venv/bin/python bench/write_floor.py [--duration 8] [--connections 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from http_load import MESSAGE, TARGET, ensure_wrk, free_port, python_load, served, wrk  # noqa: E402


def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    return db


def floor_app(mode: str, path: str):
    from litestar import Litestar, post
    from litestar.params import JSONBody

    db, lock, pool = open_db(path), threading.Lock(), ThreadPoolExecutor(8)
    waiting: queue.SimpleQueue = queue.SimpleQueue()

    def insert_one(body: bytes) -> None:
        with lock:
            db.execute("BEGIN")
            db.execute("INSERT INTO rows (body) VALUES (?)", (body,))
            db.execute("COMMIT")

    def writer() -> None:
        while True:
            batch = [waiting.get()]
            while not waiting.empty():
                batch.append(waiting.get_nowait())
            db.execute("BEGIN")
            db.executemany("INSERT INTO rows (body) VALUES (?)", [(body,) for body, _, _ in batch])
            db.execute("COMMIT")
            loop = batch[0][2]
            loop.call_soon_threadsafe(lambda done=batch: [future.set_result(None) for _, future, _ in done])

    if mode == "batched":
        threading.Thread(target=writer, daemon=True).start()

    @post("/write", status_code=201)
    async def write(data: JSONBody[dict]) -> dict:
        body, loop = json.dumps(data).encode(), asyncio.get_running_loop()
        if mode == "thread":
            await loop.run_in_executor(pool, insert_one, body)
        else:
            future = loop.create_future()
            waiting.put((body, future, loop))
            await future
        return data

    return Litestar(route_handlers=[write])


def serve_floor(mode: str, port: int, path: str) -> None:
    import uvicorn

    uvicorn.run(floor_app(mode, path), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def event_sourcing_cpu_us(count: int = 5_000) -> float:
    """CPU µs per send for the domain and eventsourcing work alone: compose, event, stored event."""
    from hubbub.adapters.bootstrap import bootstrap
    from hubbub.adapters.settings import Settings
    from hubbub.application.commands import CreateRoom, Register
    from hubbub.application.context import CommandContext
    from hubbub.application.messages import resolve_mentions
    from hubbub.domain.message import Message
    from tests.contract.fakes import PlainHasher

    with tempfile.TemporaryDirectory() as data_dir:
        services = bootstrap(Settings(event_store_url="memory://", data_dir=data_dir), hasher=PlainHasher())
        try:
            owner = services.commands.call(Register("owner", "bench password"))[0]
            room = services.commands.call(CreateRoom("channel", [], name="floor"), CommandContext(actor_id=owner.id))[0]
            room = services.app.repository.get(room.id)
            body = MESSAGE["body"]
            started = time.process_time()
            for _ in range(count):
                message = Message.compose(room, owner.id, body, resolve_mentions(body), None, uuid4())
                for event in message.collect_events():
                    services.app.mapper.to_stored_event(event)
            return (time.process_time() - started) / count * 1e6
        finally:
            services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)  # mode port path
    args = parser.parse_args()
    if args.serve:
        mode, port, path = args.serve
        serve_floor(mode, int(port), path)
        return 0
    load = wrk if ensure_wrk() else python_load
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        for mode in ("echo", "thread", "batched"):
            port = free_port()
            if mode == "echo":
                command = [sys.executable, str(Path(__file__).parent / "http_load.py"), "--serve-echo", str(port)]
                path = "/echo"
            else:
                command = [sys.executable, __file__, "--serve", mode, str(port), os.path.join(directory, f"{mode}.db")]
                path = "/write"
            with served(command, dict(os.environ), f"http://127.0.0.1:{port}/"):
                results[mode] = load(f"http://127.0.0.1:{port}{path}", "POST", {}, MESSAGE, args.duration, args.connections)
    echo = results["echo"]
    print(echo.line("echo"))
    for mode, label in (("thread", "durable insert, thread/req"), ("batched", "durable insert, batched")):
        print(results[mode].line(label) + f"   ratio {results[mode].rps / echo.rps:.2f}")
    es_us = event_sourcing_cpu_us()
    bound = 1 / (1 / results["batched"].rps + es_us / 1e6)
    print(f"domain + eventsourcing CPU per send (no I/O): {es_us:.0f} µs")
    print(f"best event-sourced POST here ≈ batched floor + that CPU: {bound:.0f} req/s, "
          f"ratio {bound / echo.rps:.2f} (target ≥ {TARGET}; before auth, rate limits, metrics, the response body)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
