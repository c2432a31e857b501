"""Many clients reconnecting at once, each with its own `since`, all recover exactly what they
missed, and the server keeps answering others meanwhile."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.e2e.sockets import Person, Socket, uvicorn_serving

pytestmark = pytest.mark.timeout(180)
CLIENTS = 120


async def test_clients_reconnecting_at_once_each_get_what_they_missed(tmp_path):
    with uvicorn_serving(tmp_path, gateway_connections_per_user=CLIENTS) as base:
        ann, bob = Person(base, "ann"), Person(base, "bob")
        rooms = [ann.room(bob) for _ in range(4)]
        positions = [ann.send(rooms[n % 4], f"m{n}") for n in range(200)]
        # Each client last saw a different position: it must get exactly the messages after it.
        sinces = [positions[(n * 7) % len(positions)] for n in range(CLIENTS)]
        sockets = [Socket(base, bob.token, since=since) for since in sinces]
        health: list[float] = []

        async def probe() -> None:
            async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                while len(health) < 20:
                    started = time.monotonic()
                    assert (await http.get("/health")).status_code == 200
                    health.append(time.monotonic() - started)
                    await asyncio.sleep(0.05)

        probing = asyncio.create_task(probe())
        await asyncio.gather(*(s.connect() for s in sockets))
        try:
            for socket in sockets:
                await socket.wait_event("sync:done", timeout=60)
            await probing
            for socket, since in zip(sockets, sinces):
                got = [d["position"] for d in socket.named("message:new")]
                assert got == [p for p in positions if p > since]
            assert max(health) < 2.0
        finally:
            await asyncio.gather(*(s.close() for s in sockets))
