"""Notifications end to end in one app: digests to a socket with acks, else to a signed webhook."""

from __future__ import annotations

import time
from uuid import UUID

import pytest
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from tests.e2e.conftest import e2e_settings
from tests.e2e.people import People
from tests.receivers import WebhookReceiver
from tests.services import require_redis

SECRET = "a-secret-of-sixteen-chars"


class Sockets:
    """The gateway's side of the signals: records what reaches the user's sockets."""

    def __init__(self):
        self.emitted = []

    async def to_user(self, user_id, event, data):
        self.emitted.append((str(user_id), event, data))

    async def to_rooms(self, room_ids, event, data, skip_user=None):
        return None

    def digests(self, user_id: str) -> list[dict]:
        return [d for u, e, d in self.emitted if u == user_id and e == "notification"]


@pytest.fixture(scope="module", params=[pytest.param("redis", marks=pytest.mark.redis), "signal-file"])
def client(request, tmp_path_factory):
    """The background host runs in a thread of the app (as HUBBUB_PROJECTIONS=thread), so the
    notification host too: it reaches the app's signals over Redis, or without it over the data
    directory's signal file, as it would across processes."""
    redis_url = require_redis() if request.param == "redis" else ""
    settings = e2e_settings(tmp_path_factory.mktemp("app"), webhook_allow_private=True,
                            redis_url=redis_url, notification_ack_timeout_s=1.0)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def world(client):
    sockets = Sockets()
    client.app.state.runtime.signals.attach(sockets)
    receiver = WebhookReceiver()
    yield client, sockets, receiver
    receiver.close()


def until(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "not so in time"
        time.sleep(0.05)
    return value


def setup_pair(client, window_s: int = 1):
    people = People(client)
    ann, bob = people.signed_in("ann"), people.signed_in("bob")
    assert ann.patch("/api/auth/me/notifications", json={"digest_window_s": window_s}).status_code == 200
    room = bob.post("/api/rooms", json={"kind": "group", "name": "g", "member_ids": [ann.user_id]}).json()
    return ann, bob, room["room_id"]


def mention(bob, ann, room_id, n: int = 1) -> list[str]:
    ids = []
    for i in range(n):
        response = bob.post(f"/api/rooms/{room_id}/messages", json={"body": f"@{ann.username} ping {i}"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["message_id"])
    return ids


def test_an_offline_user_gets_one_signed_webhook_for_a_burst_of_mentions(world):
    client, sockets, receiver = world
    ann, bob, room_id = setup_pair(client)
    assert ann.put("/api/notifications/channels/webhook", json={"url": receiver.url, "secret": SECRET}).status_code == 200
    mention(bob, ann, room_id, 20)
    until(lambda: receiver.received)
    time.sleep(0.5)
    [body] = receiver.bodies()
    assert len(body["items"]) == 20 and body["user_id"] == ann.user_id
    deliveries = until(lambda: ann.get("/api/notifications/deliveries", params={"status": "delivered"}).json()["items"])
    assert [(d["channel"], len(d["notification_ids"])) for d in deliveries] == [("webhook", 20)]
    assert sockets.digests(ann.user_id) == []


def test_an_online_user_gets_the_digest_on_a_socket_and_an_ack_keeps_it_off_the_webhook(world):
    client, sockets, receiver = world
    ann, bob, room_id = setup_pair(client)
    ann.put("/api/notifications/channels/webhook", json={"url": receiver.url, "secret": SECRET})
    signals = client.app.state.runtime.signals
    client.blocking_portal.call(signals.connected, UUID(ann.user_id), "ann-socket")
    mention(bob, ann, room_id, 3)
    [digest] = until(lambda: sockets.digests(ann.user_id))
    assert len(digest["items"]) == 3
    client.blocking_portal.call(signals.notification_ack, UUID(ann.user_id), digest["digest_id"])
    time.sleep(2.0)  # past the ack timeout
    assert receiver.received == []
    [acked] = until(lambda: ann.get("/api/notifications/deliveries", params={"status": "acked"}).json()["items"])
    assert acked["channel"] == "socket"


def test_an_unacked_digest_goes_to_the_webhook_and_deleted_or_muted_ones_not_at_all(world):
    client, sockets, receiver = world
    ann, bob, room_id = setup_pair(client)
    ann.put("/api/notifications/channels/webhook", json={"url": receiver.url, "secret": SECRET})
    client.blocking_portal.call(client.app.state.runtime.signals.connected, UUID(ann.user_id), "ann-socket-2")
    kept, deleted = mention(bob, ann, room_id, 2)
    assert bob.delete(f"/api/rooms/{room_id}/messages/{deleted}").status_code == 204
    muted_room = bob.post("/api/rooms", json={"kind": "group", "name": "m", "member_ids": [ann.user_id]}).json()
    position = ann.patch(f"/api/rooms/{muted_room['room_id']}/mute", json={"muted": True}).json()["position"]
    ann.get("/api/rooms", params={"min_position": position})
    mention(bob, ann, muted_room["room_id"], 1)
    [digest] = until(lambda: sockets.digests(ann.user_id))
    assert [i["message_id"] for i in digest["items"]] == [kept]
    until(lambda: receiver.received)
    [body] = receiver.bodies()
    assert [i["message_id"] for i in body["items"]] == [kept]


def test_a_socket_connecting_later_gets_what_waited_for_it(world):
    client, sockets, receiver = world
    ann, bob, room_id = setup_pair(client)  # no channel: the digest waits for a socket
    mention(bob, ann, room_id, 2)
    time.sleep(2.5)
    assert sockets.digests(ann.user_id) == []
    client.blocking_portal.call(client.app.state.runtime.signals.connected, UUID(ann.user_id), "ann-late")
    [digest] = until(lambda: sockets.digests(ann.user_id))
    assert len(digest["items"]) == 2 and receiver.received == []
