"""Socket tests' tools: a real uvicorn serving hubbub (HTTP and /socket.io) on a free port, people
signed in over HTTP, and python-socketio AsyncClients that record what they receive."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import socketio
import uvicorn

from hubbub.adapters.http.app import served
from tests.e2e.conftest import e2e_settings
from tests.e2e.test_serve_smoke import free_port

PASSWORD = "correct horse battery"
_names = itertools.count(1)


@contextmanager
def uvicorn_serving(tmp_path, **overrides) -> Iterator[str]:
    """hubbub's ASGI app under uvicorn in a thread of this process (memory:// log, thread projectors)."""
    with uvicorn_serving_app(tmp_path, **overrides) as (url, _):
        yield url


@contextmanager
def uvicorn_serving_app(tmp_path, **overrides) -> Iterator[tuple[str, Any]]:
    """The same, with the Litestar app, for a test that reads the runtime's log."""
    app = served(e2e_settings(tmp_path, **overrides))
    with uvicorn_running(app) as url:
        yield url, app.other_asgi_app


@contextmanager
def uvicorn_running(app: Any) -> Iterator[str]:
    """Any ASGI app under uvicorn in a thread of this process, on a free port."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


class Person:
    """Someone registered and signed in over HTTP."""

    def __init__(self, base: str, name: str, device: str = "laptop"):
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=10)
        self.name = f"{name}{next(_names)}"
        registered = self.http.post("/api/auth/register", json={"username": self.name, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        self.user_id = registered.json()["user_id"]
        self.sign_in(device)

    def sign_in(self, device: str = "laptop") -> str:
        tokens = self.http.post("/api/auth/login", json={"username": self.name, "password": PASSWORD,
                                                         "device_name": device}).json()
        self.token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return self.token

    def log_out(self, refresh_token: str | None = None) -> None:
        out = self.http.post("/api/auth/logout", json={"refresh_token": refresh_token or self.refresh_token})
        assert out.status_code == 204, out.text

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)

    def room(self, *members: Person, private: bool = True) -> str:
        body = {"kind": "group", "name": "r", "member_ids": [m.user_id for m in members], "private": private}
        created = self.call("POST", "/api/rooms", json=body)
        assert created.status_code == 201, created.text
        return created.json()["room_id"]

    def send(self, room_id: str, body: str) -> int:
        sent = self.call("POST", f"/api/rooms/{room_id}/messages", json={"body": body})
        assert sent.status_code == 201, sent.text
        return sent.json()["position"]


class Socket:
    """An AsyncClient that keeps every event it receives, in order."""

    def __init__(self, base: str, token: str, since: int | None = None, transports=("websocket",)):
        self.base, self.token, self.since, self.transports = base, token, since, list(transports)
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.disconnected = asyncio.Event()
        self.client.on("*", self._record)
        self.client.on("disconnect", self._gone)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data))

    async def _gone(self, *_: Any) -> None:
        self.disconnected.set()

    async def connect(self) -> Socket:
        auth = {"token": self.token, **({"since": self.since} if self.since is not None else {})}
        await self.client.connect(self.base, auth=auth, transports=self.transports, wait_timeout=10)
        return self

    async def call(self, event: str, data: Any = None, timeout: float = 15) -> Any:
        return await self.client.call(event, data, timeout=timeout)

    async def emit(self, event: str, data: Any = None) -> None:
        """Sent without waiting for the ack."""
        await self.client.emit(event, data)

    async def close(self) -> None:
        await self.client.disconnect()

    def named(self, *names: str) -> list[Any]:
        return [data for event, data in self.events if event in names]

    def durable(self) -> list[tuple[str, Any]]:
        return [(e, d) for e, d in self.events if isinstance(d, dict) and "position" in d and "room_id" in d]

    async def wait_for(self, condition: Callable[[Socket], Any], timeout: float = 10) -> Any:
        deadline = time.monotonic() + timeout
        while not (value := condition(self)):
            assert time.monotonic() < deadline, f"not so within {timeout:g} s; got {self.events[-5:]}"
            await asyncio.sleep(0.01)
        return value

    async def wait_event(self, name: str, predicate: Callable[[Any], bool] = lambda _: True, timeout: float = 10):
        return await self.wait_for(lambda s: next((d for d in s.named(name) if predicate(d)), None), timeout)


async def refused(base: str, auth: Any) -> dict[str, Any]:
    """The connect_error a refused connection gets: {message: code, data: {detail}}."""
    client = socketio.AsyncClient(reconnection=False)
    errors: list[Any] = []
    client.on("connect_error", lambda data: errors.append(data))
    try:
        await client.connect(base, auth=auth, transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        assert errors, "refused without a connect_error"
        return errors[0]
    await client.disconnect()
    raise AssertionError("the connection was accepted")
