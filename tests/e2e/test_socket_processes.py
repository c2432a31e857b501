"""Several real `hubbub serve` processes on one data directory (and --workers 2): each follows the
shared feed, so a client of one receives what a client of another sent, in order, once; a killed
process's clients reconnect elsewhere with `since` and miss nothing; a Redis restart loses nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import socketio

from tests.e2e.processes import EMBEDDED, hubbub_serving, private_redis
from tests.e2e.sockets import Person, Socket
from tests.services import require_redis, require_redis_server

pytestmark = pytest.mark.timeout(180)


async def _send(socket: Socket, room: str, body: str) -> int:
    ack = await socket.call("message:send", {"room_id": room, "body": body, "client_msg_id": body})
    assert ack["ok"], ack
    return ack["position"]


def _positions(socket: Socket, room: str) -> list[int]:
    return [d["position"] for d in socket.named("message:new") if d["room_id"] == room]


async def _received(socket: Socket, room: str, positions: list[int], timeout: float = 30) -> None:
    await socket.wait_for(lambda s: set(positions) <= set(_positions(s, room)), timeout=timeout)


async def test_two_processes_deliver_to_each_others_clients_in_order_once(tmp_path):
    with hubbub_serving(tmp_path, "a") as a, hubbub_serving(tmp_path, "b") as b:
        ann, bob = Person(a.base, "ann"), Person(a.base, "bob")
        room = ann.room(bob)
        on_a, on_b = await Socket(a.base, ann.token).connect(), await Socket(b.base, bob.token).connect()
        try:
            sent = await asyncio.gather(*(_send(on_a if n % 2 else on_b, room, f"m{n}") for n in range(20)))
            for socket in (on_a, on_b):
                await _received(socket, room, sent)
                got = _positions(socket, room)
                assert got == sorted(sent)  # every one, once, in position order
            bob.log_out()  # on process A; bob's socket is on B
            await on_b.wait_for(lambda s: s.disconnected.is_set(), timeout=1.0)
            assert on_b.named("session:ended") == [{"reason": "session_revoked"}]
        finally:
            await on_a.close()
            await on_b.close()


async def test_workers_on_one_port_deliver_to_each_other_over_websockets_only(tmp_path):
    redis_url = require_redis()
    with hubbub_serving(tmp_path, "workers", "--workers", "2", HUBBUB_REDIS_URL=redis_url) as served:
        people = [Person(served.base, f"w{n}") for n in range(6)]
        room = people[0].room(*people[1:])
        sockets = [await Socket(served.base, p.token).connect() for p in people]
        try:
            sent = await asyncio.gather(*(_send(s, room, f"{n}-{i}") for n, s in enumerate(sockets) for i in range(3)))
            for socket in sockets:
                await _received(socket, room, sent)
                assert _positions(socket, room) == sorted(sent)
            # Long-polling's handshake is refused: its next request could land on the other worker.
            polling = httpx.get(f"{served.base}/socket.io/", params={"EIO": "4", "transport": "polling"})
            assert polling.status_code == 400
        finally:
            for socket in sockets:
                await socket.close()


async def test_clients_of_a_killed_process_reconnect_elsewhere_with_since_and_miss_nothing(tmp_path):
    with hubbub_serving(tmp_path, "a") as a, hubbub_serving(tmp_path, "b") as b:
        ann, bob = Person(b.base, "ann"), Person(b.base, "bob")
        room = ann.room(bob)
        sender = await Socket(b.base, ann.token).connect()
        doomed = await Socket(a.base, bob.token).connect()
        try:
            sent = [await _send(sender, room, f"before {n}") for n in range(5)]
            await _received(doomed, room, sent)
            a.kill()  # SIGKILL: the process, its projection process with it
            await doomed.wait_for(lambda s: s.disconnected.is_set(), timeout=60)
            sent += [await _send(sender, room, f"while away {n}") for n in range(5)]
            last_seen = _positions(doomed, room)[-1]
            back = await Socket(b.base, bob.token, since=last_seen).connect()
            try:
                await back.wait_event("sync:done", timeout=30)  # B's background host may be taking over
                sent += [await _send(sender, room, f"after {n}") for n in range(5)]
                await _received(back, room, [p for p in sent if p > last_seen])
                assert _positions(doomed, room) + _positions(back, room) == sorted(sent)
            finally:
                await back.close()
        finally:
            await sender.close()


async def test_a_redis_restart_under_load_loses_no_acknowledged_message(tmp_path):
    with private_redis(require_redis_server()) as redis:
        env = {"HUBBUB_REDIS_URL": redis.url}
        with hubbub_serving(tmp_path, "a", **env) as a, hubbub_serving(tmp_path, "b", **env) as b:
            ann, bob, cat = (Person(a.base, n) for n in ("ann", "bob", "cat"))
            room = ann.room(bob, cat)
            sender = await Socket(a.base, ann.token).connect()
            receivers = [await Socket(a.base, bob.token).connect(), await Socket(b.base, cat.token).connect()]
            acked: list[int] = []

            async def load() -> None:
                for n in range(60):
                    ack = await sender.call("message:send", {"room_id": room, "body": f"m{n}", "client_msg_id": f"m{n}"})
                    if ack["ok"]:
                        acked.append(ack["position"])
                    await asyncio.sleep(0.02)

            try:
                running = asyncio.create_task(load())
                await asyncio.sleep(0.4)
                redis.kill()
                await asyncio.sleep(0.5)
                redis.start()
                await running
                assert len(acked) >= 50  # the outage is felt by rate limits only, which fail open
                for socket in receivers:
                    await _received(socket, room, acked)
                    assert [p for p in _positions(socket, room) if p in set(acked)] == sorted(acked)
            finally:
                for socket in (sender, *receivers):
                    await socket.close()


async def test_the_per_user_socket_limit_holds_across_processes(tmp_path):
    from tests.e2e.sockets import refused

    env = {"HUBBUB_REDIS_URL": require_redis(), "HUBBUB_GATEWAY_CONNECTIONS_PER_USER": "2"}
    with hubbub_serving(tmp_path, "a", **env) as a, hubbub_serving(tmp_path, "b", **env) as b:
        ann = Person(a.base, "ann")
        on_a, on_b = await Socket(a.base, ann.token).connect(), await Socket(b.base, ann.token).connect()
        try:
            assert (await refused(a.base, {"token": ann.token}))["message"] == "too_many_connections"
            await on_b.close()
            again = await _connect_when_released(a.base, ann.token)
            await again.close()
        finally:
            await on_a.close()


async def _connect_when_released(base: str, token: str) -> Socket:
    """The closing process releases the slot just after the close: retry briefly."""
    for _ in range(50):
        try:
            return await Socket(base, token).connect()
        except socketio.exceptions.ConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("the slot was never released")


async def test_with_rate_limits_failing_closed_a_redis_outage_refuses_socket_commands_as_unavailable(tmp_path):
    from tests.e2e.sockets import uvicorn_serving

    with private_redis(require_redis_server()) as redis, \
            uvicorn_serving(tmp_path, redis_url=redis.url, rate_limit_failure="closed") as base:
        ann = Person(base, "ann")
        room = ann.room()
        socket = await Socket(base, ann.token).connect()
        try:
            redis.kill()
            down = await socket.call("message:send", {"room_id": room, "body": "x", "client_msg_id": "down"})
            assert down["error"]["code"] == "unavailable" and down["error"]["retry_after_s"] == 1
            redis.start()
            up = await socket.call("message:send", {"room_id": room, "body": "x", "client_msg_id": "up"})
            assert up["ok"] is True
        finally:
            await socket.close()


@pytest.mark.parametrize("transport", ["redis", "signal file"])
async def test_typing_and_presence_reach_a_member_on_the_other_process(tmp_path, transport):
    env = {"HUBBUB_REDIS_URL": require_redis()} if transport == "redis" else EMBEDDED
    with hubbub_serving(tmp_path, "a", **env) as a, hubbub_serving(tmp_path, "b", **env) as b:
        ann, bob = Person(a.base, "ann"), Person(a.base, "bob")
        room = ann.room(bob)
        watcher = await Socket(b.base, bob.token, since=0).connect()
        try:
            await watcher.wait_event("sync:done")
            typist = await Socket(a.base, ann.token, since=0).connect()
            await watcher.wait_event("presence", lambda d: d == {"user_id": ann.user_id, "online": True})
            await typist.wait_event("sync:done")
            for _ in range(5):
                assert (await typist.call("typing:start", {"room_id": room})) == {"ok": True}
                await asyncio.sleep(0.1)
            await typist.call("typing:stop", {"room_id": room})
            await watcher.wait_for(lambda s: [d["typing"] for d in s.named("typing")] == [True, False], timeout=5)
            await typist.close()
            await watcher.wait_event("presence", lambda d: d == {"user_id": ann.user_id, "online": False}, timeout=15)
        finally:
            await watcher.close()
