"""A socket that stops reading is told to resync and disconnected once its outbound queue passes
the limit: the server's memory for it stays bounded, and the other sockets keep receiving."""

from __future__ import annotations

import asyncio
import json
import socket as sockets

import pytest
import websockets

from tests.e2e.sockets import Person, Socket, uvicorn_serving

pytestmark = pytest.mark.timeout(120)


async def _stalled_client(base: str, token: str):
    """Speaks Engine.IO/Socket.IO over a websocket with a tiny receive buffer, then stops reading."""
    host, port = base.removeprefix("http://").split(":")
    raw = sockets.socket()
    raw.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, 4096)
    raw.connect((host, int(port)))
    ws = await websockets.connect(f"ws://{host}:{port}/socket.io/?EIO=4&transport=websocket", sock=raw,
                                  max_queue=1, compression=None)
    assert (await ws.recv()).startswith("0")  # engine.io open
    await ws.send("40" + json.dumps({"token": token}))
    assert (await ws.recv()).startswith("40")  # socket.io connect
    return ws


async def test_a_socket_that_stops_reading_gets_resync_required_and_is_let_go(tmp_path):
    with uvicorn_serving(tmp_path, gateway_outbound_limit=20) as base:
        ann, bob = Person(base, "ann"), Person(base, "bob")
        room = ann.room(bob)
        stalled = await _stalled_client(base, bob.token)
        healthy = await Socket(base, ann.token).connect()
        try:
            await asyncio.sleep(0.2)  # both live
            # More than the kernel's socket buffers hold (4 MiB for the sender here), then the queue.
            body = "x" * 3900
            positions = []
            for batch in range(30):
                acks = await asyncio.gather(*(healthy.call("message:send", {
                    "room_id": room, "body": f"{batch}.{n} {body}", "client_msg_id": f"{batch}.{n}"}) for n in range(50)))
                positions += [a["position"] for a in acks]
            positions.sort()
            await healthy.wait_for(lambda s: len(s.named("message:new")) == len(positions), timeout=60)
            assert [d["position"] for d in healthy.named("message:new")] == positions
            frames = []
            async with asyncio.timeout(30):  # read what is left, up to engine.io's close packet
                async for frame in stalled:
                    frames.append(frame)
                    if frame == "1":
                        break

            events = [json.loads(f[2:])[0] for f in frames if isinstance(f, str) and f.startswith("42")]
            assert "sync:resync_required" in events
            resync = json.loads(next(f for f in frames if "sync:resync_required" in f)[2:])[1]
            assert resync["reason"] == "slow_consumer"
            assert events.count("message:new") < len(positions)  # the backlog was dropped, not kept
            assert frames[-3:-1] == [frames[-3], "41"] and events[-1] == "sync:resync_required"  # then disconnected
        finally:
            await healthy.close()
            await stalled.close()
