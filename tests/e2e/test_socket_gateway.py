"""The Socket.IO gateway against a real uvicorn: connect, commands and acks, live events, replay."""

from __future__ import annotations

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
