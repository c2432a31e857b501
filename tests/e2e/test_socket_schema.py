"""/schema/asyncapi.json describes every socket event from the structs that validate them, and every
durable event the gateway sends fits its struct; /metrics and /ready report the gateway."""

from __future__ import annotations

import httpx
import msgspec
import pytest

from hubbub.adapters.gateway.schemas import COMMANDS, DURABLE_EVENTS, SERVER_EVENTS
from tests.e2e.sockets import Person, Socket, uvicorn_serving


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with uvicorn_serving(tmp_path_factory.mktemp("schema")) as url:
        yield url


def _resolve(document: dict, ref: str) -> dict:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_asyncapi_document_names_every_event_and_resolves_every_reference(base):
    document = httpx.get(f"{base}/schema/asyncapi.json").json()
    assert document["asyncapi"] == "3.0.0"
    messages = document["channels"]["socket"]["messages"]
    assert {m["name"] for m in messages.values()} >= {*COMMANDS, *SERVER_EVENTS}
    assert {"typing:start", "typing:stop", "notification:ack", "typing", "presence", "notification"} <= set(
        m["name"] for m in messages.values())
    refs = []

    def collect(node):
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert refs and all(_resolve(document, ref) for ref in refs)
    send = document["components"]["schemas"]["SendMessage"]
    assert set(send["required"]) == {"room_id", "body", "client_msg_id"}
    assert document["operations"]["message.send"]["action"] == "receive"
    assert document["operations"]["emit.message.new"]["action"] == "send"


async def test_every_durable_event_sent_fits_its_documented_struct(base):
    ann, bob = Person(base, "ann"), Person(base, "bob")
    socket = await Socket(base, ann.token).connect()
    try:
        await socket.wait_for(lambda s: s.client.connected)
        room = ann.room()
        sent = await socket.call("message:send", {"room_id": room, "body": "hi", "client_msg_id": "s"})
        message_id = sent["message"]["message_id"]
        await socket.call("message:edit", {"room_id": room, "message_id": message_id, "body": "hey"})
        await socket.call("reaction:add", {"room_id": room, "message_id": message_id, "emoji": "🙂"})
        await socket.call("read:mark", {"room_id": room, "up_to_position": sent["position"]})
        ann.call("POST", f"/api/rooms/{room}/members", json={"user_ids": [bob.user_id]})
        ann.call("DELETE", f"/api/rooms/{room}/members/{bob.user_id}")
        deleted = await socket.call("message:delete", {"room_id": room, "message_id": message_id})
        await socket.wait_for(lambda s: any(d["position"] == deleted["position"] for _, d in s.durable()))
        kinds = {event for event, _ in socket.durable()}
        assert kinds == set(DURABLE_EVENTS)
        for event, data in socket.durable():
            msgspec.convert(data, DURABLE_EVENTS[event])
    finally:
        await socket.close()


async def test_metrics_and_ready_report_the_gateway(base):
    ann = Person(base, "ann")
    room = ann.room()
    socket = await Socket(base, ann.token, since=0).connect()
    try:
        await socket.wait_event("sync:done")
        position = ann.send(room, "counted")
        await socket.wait_event("message:new", lambda d: d["position"] == position)
        metrics = httpx.get(f"{base}/metrics").text
        assert "hubbub_sockets_connected" in metrics and 'hubbub_socket_events_emitted_total{event="message:new"}' in metrics
        assert "hubbub_socket_fanout_delay_seconds_bucket" in metrics and "hubbub_socket_replays_total" in metrics
        ready = httpx.get(f"{base}/ready").json()
        gateway = ready["checks"]["gateway"]
        assert gateway["status"] == "ok" and gateway["sockets"] >= 1 and gateway["position"] >= position
        assert gateway["lag"] >= 0
    finally:
        await socket.close()
