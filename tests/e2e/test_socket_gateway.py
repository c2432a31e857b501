"""The Socket.IO gateway against a real uvicorn: connect, commands and acks, live events, replay."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.sockets import Person, Socket, refused, uvicorn_serving


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with uvicorn_serving(tmp_path_factory.mktemp("gw"), gateway_connections_per_user=3) as url:
        yield url


async def test_a_send_is_acked_and_reaches_the_other_member_as_message_new(base):
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    ann_socket, bob_socket = await Socket(base, ann.token).connect(), await Socket(base, bob.token).connect()
    try:
        await bob_socket.wait_for(lambda s: True)
        ack = await ann_socket.call("message:send", {"room_id": room, "body": "hi bob", "client_msg_id": "k1"})
        assert ack["ok"] is True and ack["created"] is True and ack["message"]["body"] == "hi bob"
        new = await bob_socket.wait_event("message:new", lambda d: d["message"]["body"] == "hi bob")
        assert new["room_id"] == room and new["position"] == ack["position"] and new["at"]
        again = await ann_socket.call("message:send", {"room_id": room, "body": "hi bob", "client_msg_id": "k1"})
        assert again["ok"] is True and again["created"] is False and again["message"]["message_id"] == ack["message"]["message_id"]
    finally:
        await ann_socket.close()
        await bob_socket.close()


@pytest.mark.parametrize("auth, code", [
    ({"token": "not-a-jwt"}, "invalid_token"),
    ({}, "invalid_token"),
    (None, "invalid_token"),
])
async def test_a_bad_token_is_refused_with_the_contract_code(base, auth, code):
    error = await refused(base, auth)
    assert error["message"] == code and error["data"]["detail"]


async def test_a_revoked_session_is_refused_and_an_expired_token_too(base, tmp_path):
    ann = Person(base, "ann")
    token = ann.token
    ann.log_out()
    error = await refused(base, {"token": token})
    assert error["message"] == "session_revoked"
    with uvicorn_serving(tmp_path, access_token_ttl_s=1) as short:
        cat = Person(short, "cat")
        await asyncio.sleep(1.2)
        assert (await refused(short, {"token": cat.token}))["message"] == "token_expired"


async def test_past_the_per_user_limit_a_socket_is_refused(base):
    ann = Person(base, "ann")
    sockets = [await Socket(base, ann.token).connect() for _ in range(3)]
    try:
        error = await refused(base, {"token": ann.token})
        assert error["message"] == "too_many_connections"
    finally:
        for socket in sockets:
            await socket.close()
    again = await Socket(base, ann.token).connect()  # a closed socket frees its place
    await again.close()


async def test_logout_disconnects_the_sessions_sockets_and_no_other(base):
    ann = Person(base, "ann")
    laptop_token, laptop_refresh = ann.token, ann.refresh_token
    phone_token = ann.sign_in("phone")
    laptop, phone = await Socket(base, laptop_token).connect(), await Socket(base, phone_token).connect()
    try:
        ann.log_out(laptop_refresh)
        await laptop.wait_for(lambda s: s.disconnected.is_set(), timeout=1.5)
        assert laptop.named("session:ended") == [{"reason": "session_revoked"}]
        assert not phone.disconnected.is_set()
    finally:
        await phone.close()


async def test_a_live_socket_is_disconnected_when_its_token_expires(tmp_path):
    with uvicorn_serving(tmp_path, access_token_ttl_s=2) as short:
        ann = Person(short, "ann")
        socket = await Socket(short, ann.token).connect()
        await socket.wait_for(lambda s: s.disconnected.is_set(), timeout=5)
        assert socket.named("session:ended") == [{"reason": "token_expired"}]


async def test_bad_payloads_get_error_acks_and_lose_nothing(base):
    ann = Person(base, "ann")
    room = ann.room()
    socket = await Socket(base, ann.token).connect()
    try:
        first = await socket.call("message:send", {"room_id": room, "body": "first", "client_msg_id": "a"})
        bad = await socket.call("message:send", {"room_id": room, "body": 5, "client_msg_id": "b"})
        assert bad["ok"] is False and bad["error"]["code"] == "invalid_input"
        assert bad["error"]["fields"][0]["field"] == "body"
        missing = await socket.call("message:send", {"room_id": room, "body": "x"})
        assert missing["error"]["fields"][0]["field"] == "client_msg_id"
        huge = await socket.call("message:send", {"room_id": room, "body": "x" * 70_000, "client_msg_id": "c"})
        assert huge["error"]["code"] == "payload_too_large"
        assert (await socket.call("no:such", {}))["error"]["code"] == "unknown_event"
        assert (await socket.call("typing:start", {"room_id": room}))["ok"] is True
        stranger = await socket.call("typing:start", {"room_id": "00000000-0000-0000-0000-000000000001"})
        assert stranger["error"]["code"] == "not_found"
        assert (await socket.call("typing:stop", {"room": room}))["error"]["code"] == "invalid_input"
        assert (await socket.call("notification:ack", {"id": ""}))["error"]["code"] == "invalid_input"
        not_a_dict = await socket.call("message:delete", "nope")
        assert not_a_dict["error"]["code"] == "invalid_input"
        unknown_room = await socket.call("message:send", {"room_id": "00000000-0000-0000-0000-000000000001",
                                                          "body": "x", "client_msg_id": "d"})
        assert unknown_room["error"]["code"] == "not_found"
        page = ann.call("GET", f"/api/rooms/{room}/messages", params={"min_position": first["position"]}).json()
        assert [m["body"] for m in page["items"]] == ["first"]
        assert socket.client.connected
    finally:
        await socket.close()


async def test_edit_delete_react_and_mark_read_are_acked_and_delivered(base):
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    socket, watcher = await Socket(base, ann.token).connect(), await Socket(base, bob.token).connect()
    try:
        sent = await socket.call("message:send", {"room_id": room, "body": "v1", "client_msg_id": "e1"})
        message_id = sent["message"]["message_id"]
        edited = await socket.call("message:edit", {"room_id": room, "message_id": message_id, "body": "v2"})
        assert edited["ok"] and edited["message"]["body"] == "v2" and edited["position"] > sent["position"]
        reacted = await socket.call("reaction:add", {"room_id": room, "message_id": message_id, "emoji": "🎉"})
        assert reacted["message"]["reactions"] == {"🎉": [ann.user_id]}
        unreacted = await socket.call("reaction:remove", {"room_id": room, "message_id": message_id, "emoji": "🎉"})
        assert unreacted["message"]["reactions"] == {}
        marked = await socket.call("read:mark", {"room_id": room, "up_to_position": sent["position"]})
        assert marked["ok"] and marked["last_read_position"] == sent["position"]
        deleted = await socket.call("message:delete", {"room_id": room, "message_id": message_id})
        assert deleted["ok"] and deleted["position"] > unreacted["position"]
        forbidden = await Socket(base, bob.token).connect()
        try:
            denied = await forbidden.call("message:edit", {"room_id": room, "message_id": message_id, "body": "x"})
            assert denied["ok"] is False and denied["error"]["code"] in ("forbidden", "conflict")
        finally:
            await forbidden.close()
        await watcher.wait_event("message:deleted")
        kinds = [e for e, _ in watcher.durable()]
        assert kinds == ["message:new", "message:edited", "reaction", "reaction", "read:receipt", "message:deleted"]
        positions = [d["position"] for _, d in watcher.durable()]
        assert positions == sorted(set(positions))
    finally:
        await socket.close()
        await watcher.close()


async def test_reconnecting_with_since_replays_what_was_missed_then_goes_live(base):
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    seen = ann.send(room, "before")
    missed = [ann.send(room, f"missed {n}") for n in range(5)]
    socket = await Socket(base, bob.token, since=seen).connect()
    try:
        done = await socket.wait_event("sync:done")
        assert done["position"] >= missed[-1]
        live = ann.send(room, "live")
        await socket.wait_event("message:new", lambda d: d["message"]["body"] == "live")
        bodies = [d["message"]["body"] for d in socket.named("message:new")]
        assert bodies == [*(f"missed {n}" for n in range(5)), "live"]
        names = [e for e, _ in socket.events]
        assert names.index("sync:done") == 5  # the replay, then sync:done, then live
        assert socket.named("message:new")[-1]["position"] == live
    finally:
        await socket.close()


async def test_sync_on_a_live_socket_replays_from_its_position(base):
    ann = Person(base, "ann")
    room = ann.room()
    socket = await Socket(base, ann.token).connect()
    try:
        first = ann.send(room, "one")
        await socket.wait_event("message:new")
        ann.send(room, "two")
        await socket.wait_for(lambda s: len(s.named("message:new")) == 2)
        assert await socket.call("sync", {"since": first}) == {"ok": True}
        await socket.wait_event("sync:done")
        assert [d["message"]["body"] for d in socket.named("message:new")] == ["one", "two", "two"]
        assert (await socket.call("sync", {"since": -1}))["error"]["code"] == "invalid_input"
    finally:
        await socket.close()


async def test_a_replay_past_the_cap_asks_for_a_resync(tmp_path):
    with uvicorn_serving(tmp_path, gateway_replay_cap=3) as capped:
        ann = Person(capped, "ann")
        room = ann.room()
        start = ann.send(room, "zero")
        last = [ann.send(room, f"m{n}") for n in range(4)][-1]
        socket = await Socket(capped, ann.token, since=start).connect()
        try:
            resync = await socket.wait_event("sync:resync_required")
            assert resync["reason"] == "replay_cap" and resync["position"] >= last
            assert socket.named("message:new") == [] and socket.named("sync:done") == []
            after = ann.send(room, "after")
            live = await socket.wait_event("message:new")
            assert live["position"] == after
        finally:
            await socket.close()


async def test_socket_sends_share_the_http_message_rate_limit(tmp_path):
    with uvicorn_serving(tmp_path, rate_limit_messages="3/1m") as limited:
        ann = Person(limited, "ann")
        room = ann.room()
        ann.send(room, "over http")
        socket = await Socket(limited, ann.token).connect()
        try:
            acks = [await socket.call("message:send", {"room_id": room, "body": f"s{n}", "client_msg_id": f"r{n}"})
                    for n in range(3)]
            assert [a["ok"] for a in acks] == [True, True, False]
            assert acks[2]["error"]["code"] == "rate_limited" and acks[2]["error"]["retry_after_s"] >= 1
            assert ann.call("POST", f"/api/rooms/{room}/messages", json={"body": "x"}).status_code == 429
        finally:
            await socket.close()


async def test_long_polling_works_on_a_single_process(base):
    ann = Person(base, "ann")
    room = ann.room()
    socket = await Socket(base, ann.token, transports=("polling",)).connect()
    ack = await socket.call("message:send", {"room_id": room, "body": "polled", "client_msg_id": "p"})
    new = await socket.wait_event("message:new")
    assert new["position"] == ack["position"]
    # The server ends it (python-socketio's client waits out a long poll when it disconnects itself).
    ann.log_out()
    await socket.wait_for(lambda s: s.disconnected.is_set())


async def test_a_socket_without_since_gets_what_was_sent_after_its_acceptance_however_late_its_sync_runs(
        base, monkeypatch):
    from hubbub.adapters.gateway import namespace

    original = namespace.sync

    async def late(*args):  # a busy process: the socket's sync task runs half a second after the connect
        await asyncio.sleep(0.5)
        await original(*args)

    monkeypatch.setattr(namespace, "sync", late)
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    bob_socket = await Socket(base, bob.token).connect()
    try:
        position = ann.send(room, "sent right after bob connected")
        await bob_socket.wait_event("message:new", lambda d: d["position"] == position, timeout=5)
        assert bob_socket.named("sync:done") == []  # no since, no replay announced
    finally:
        await bob_socket.close()
