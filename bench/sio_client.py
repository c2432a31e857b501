"""A lean Socket.IO client for load: one websocket and one reader task per client, no polling.

It speaks just what a chat client needs (connect with auth, events with and without acks,
Engine.IO pings) so thousands fit in one process on the same cores as the server under test.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

import sio_frames as frames

EventHandler = Callable[["LeanClient", str, list, float], None]


class ConnectRefused(Exception):
    """The server answered CONNECT_ERROR: `message` is its reason code, `data` its details."""

    def __init__(self, message: str, data: Any = None):
        super().__init__(message)
        self.message, self.data = message, data


class LeanClient:
    def __init__(self, base_url: str, on_event: EventHandler | None = None, tag: Any = None):
        self.base_url, self.tag = base_url, tag
        self.on_event = on_event or _keep
        self.events: list[tuple[str, list, float]] = []
        self.sid: str | None = None
        self.ping_interval_s = 0.0
        self.closed = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._acks: dict[int, Callable[[list], None]] = {}
        self._ids = itertools.count()
        self._reader: asyncio.Task | None = None

    async def connect(self, auth: dict | None = None, query: dict | None = None,
                      deflate: bool = False, timeout: float = 30) -> None:
        url = socket_url(self.base_url, query)
        self._ws = await connect(url, compression="deflate" if deflate else None, ping_interval=None,
                                 proxy=None, max_size=None, open_timeout=timeout, close_timeout=1)
        try:
            await asyncio.wait_for(self._handshake(auth), timeout)
        except BaseException:
            await self._ws.close()
            raise
        self._reader = asyncio.create_task(self._read())

    async def _handshake(self, auth: dict | None) -> None:
        self.ping_interval_s = frames.decode_open(await self._ws.recv()).get("pingInterval", 0) / 1000
        await self._ws.send(frames.connect_frame(auth))
        while (frame := await self._ws.recv()) == frames.EIO_PING:
            await self._ws.send(frames.PONG)
        packet = frames.decode_packet(frame)
        if packet.kind == frames.SIO_CONNECT_ERROR:
            data = packet.data or {}
            raise ConnectRefused(data.get("message", ""), data.get("data"))
        if packet.kind != frames.SIO_CONNECT:
            raise frames.FrameError(f"expected CONNECT, got {frame[:60]!r}")
        self.sid = (packet.data or {}).get("sid")

    async def emit(self, name: str, *args: Any, on_ack: Callable[[list], None] | None = None) -> None:
        ack_id = None
        if on_ack is not None:
            ack_id = next(self._ids)
            self._acks[ack_id] = on_ack
        await self._ws.send(frames.event_frame(name, *args, ack_id=ack_id))

    async def call(self, name: str, *args: Any, timeout: float = 10) -> Any:
        """Emit with an ack and wait for it: the ack's first argument."""
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        await self.emit(name, *args, on_ack=lambda data: answer.done() or answer.set_result(data))
        data = await asyncio.wait_for(answer, timeout)
        return data[0] if data else None

    async def next_event(self, name: str, timeout: float = 10) -> list:
        """The arguments of the first kept event called `name`, waiting for it (default handler only)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, (event, args, _) in enumerate(self.events):
                if event == name:
                    del self.events[index]
                    return args
            await asyncio.sleep(0.01)
        raise TimeoutError(f"no {name!r} event within {timeout} s")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self.closed.set()

    async def _pong(self) -> None:
        try:
            await self._ws.send(frames.PONG)
        except ConnectionClosed:
            pass  # the reader sees the close

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                self._dispatch(frame, time.perf_counter())
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def _dispatch(self, frame: str, received_at: float) -> None:
        if frame == frames.EIO_PING:
            asyncio.ensure_future(self._pong())
            return
        if frame == frames.EIO_CLOSE:
            return
        packet = frames.decode_packet(frame)
        if packet.kind == frames.SIO_EVENT:
            self.on_event(self, packet.data[0], packet.data[1:], received_at)
        elif packet.kind == frames.SIO_ACK:
            callback = self._acks.pop(packet.ack_id, None)
            if callback is not None:
                callback(packet.data or [])
        elif packet.kind == frames.SIO_DISCONNECT:
            asyncio.ensure_future(self._ws.close())


def socket_url(base_url: str, query: dict | None = None) -> str:
    params = {"EIO": "4", "transport": "websocket", **(query or {})}
    return base_url.replace("http", "ws", 1).rstrip("/") + "/socket.io/?" + urlencode(params)


def _keep(client: LeanClient, name: str, args: list, received_at: float) -> None:
    client.events.append((name, args, received_at))


async def connect_all(clients: list[LeanClient], auths: list[dict | None], concurrency: int = 100,
                      **options: Any) -> list[BaseException]:
    """Connect every client (at most `concurrency` handshakes at once); the failures, in order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(client: LeanClient, auth: dict | None) -> None:
        async with gate:
            await client.connect(auth, **options)

    results = await asyncio.gather(*(one(c, a) for c, a in zip(clients, auths)), return_exceptions=True)
    return [result for result in results if isinstance(result, BaseException)]


async def close_all(clients: list[LeanClient]) -> None:
    await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
