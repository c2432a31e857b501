"""Many clients reconnecting at once, each replaying what it missed: how long until every one
reached `sync:done`, whether each got exactly its missed messages in order, and how fast the
server kept answering a socket that was already connected."""

from __future__ import annotations

import asyncio
import time

from sio_client import LeanClient, close_all, connect_all
from sio_frames import Latency
from socket_load import probe_ack_ms
from socket_servers import BenchError

PROBE_EVERY_S = 0.1


async def mass_reconnect(base: str, auths: list[dict], expected: list[list[str] | int],
                         probe_auth: dict, probe_room: str, timeout_s: float = 120) -> tuple[Latency, Latency]:
    """Per-client seconds to sync:done (as ms figures) and the probe's ack times meanwhile.

    expected[i] is the ids of the messages client i missed, in order, or just how many."""
    probe = LeanClient(base)
    await probe.connect(probe_auth)
    clients = [LeanClient(base) for _ in auths]
    stop = asyncio.Event()
    probing = asyncio.create_task(_probe(probe, probe_room, stop))
    started = time.perf_counter()
    try:
        failures = await connect_all(clients, auths, concurrency=len(clients))
        if failures:
            raise BenchError(f"{len(failures)} of {len(clients)} reconnects failed, first: {failures[0]!r}")
        done_at = await asyncio.gather(*(_sync_done(client, timeout_s) for client in clients))
    finally:
        stop.set()
        acks = await probing
        await close_all([*clients, probe])
    for n, client in enumerate(clients):
        _check_replay(n, client, expected[n])
    storm = Latency.of([(at - started) * 1000 for at in done_at])
    print(f"  {len(clients)} reconnecting at once: all at sync:done after {storm.max_ms / 1000:.2f} s "
          f"(p50 {storm.p50_ms / 1000:.2f} s, p99 {storm.p99_ms / 1000:.2f} s); each replay whole and in order")
    print(f"  a connected socket's acks meanwhile: {acks.line('acks')}")
    return storm, acks


async def _sync_done(client: LeanClient, timeout_s: float) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for name, args, received_at in client.events:
            if name == "sync:done":
                return received_at
            if name == "sync:resync_required":
                raise BenchError(f"a reconnecting client was sent sync:resync_required {args}")
        await asyncio.sleep(0.02)
    raise BenchError(f"a reconnecting client saw no sync:done within {timeout_s:.0f} s")


def _check_replay(n: int, client: LeanClient, expected: list[str] | int) -> None:
    names = [name for name, _, _ in client.events]
    replayed = client.events[:names.index("sync:done")]
    positions = [args[0]["position"] for _, args, _ in replayed]
    messages = [args[0]["message"]["message_id"] for name, args, _ in replayed if name == "message:new"]
    if positions != sorted(set(positions)):
        raise BenchError(f"client {n} replayed positions out of order or twice: {positions[:20]}")
    wanted = expected if isinstance(expected, int) else len(expected)
    if len(messages) != wanted or (not isinstance(expected, int) and messages != expected):
        raise BenchError(f"client {n} replayed messages {messages[:10]}, expected {expected}")


async def _probe(probe: LeanClient, room: str, stop: asyncio.Event) -> Latency:
    answers = []
    while not stop.is_set():
        answers.append(await probe_ack_ms(probe, room))
        await asyncio.sleep(PROBE_EVERY_S)
    return Latency.of(answers)
