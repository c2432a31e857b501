"""GET /api/presence and /api/rooms/{id}/presence answer from the signals' presence state."""

from __future__ import annotations

from uuid import UUID, uuid4


def connect(client, caller, sid: str) -> None:
    """What the socket gateway does when one of the caller's sockets connects."""
    signals = client.app.state.runtime.signals
    client.blocking_portal.call(signals.connected, UUID(caller.user_id), sid)


def shared_room(owner, *others) -> str:
    response = owner.post("/api/rooms", json={"kind": "group", "name": "g", "member_ids": [o.user_id for o in others]})
    assert response.status_code == 201, response.text
    return response.json()["room_id"], response.json()["position"]


def test_presence_lists_only_people_who_share_a_room(client, people):
    ann, bob, carol = people.signed_in("ann"), people.signed_in("bob"), people.signed_in("carol")
    _, position = shared_room(ann, bob)
    connect(client, bob, f"bob-{bob.user_id}")
    ids = ",".join([bob.user_id, carol.user_id])
    response = ann.get("/api/presence", params={"user_ids": ids, "min_position": position})
    assert response.status_code == 200, response.text
    [seen] = response.json()
    assert (seen["user_id"], seen["online"]) == (bob.user_id, True) and seen["last_seen_at"]


def test_a_rooms_presence_lists_its_members(client, people):
    ann, bob = people.signed_in("ann"), people.signed_in("bob")
    room_id, position = shared_room(ann, bob)
    connect(client, ann, f"ann-{ann.user_id}")
    response = bob.get(f"/api/rooms/{room_id}/presence", params={"min_position": position})
    assert response.status_code == 200, response.text
    states = {p["user_id"]: p["online"] for p in response.json()}
    assert states == {ann.user_id: True, bob.user_id: False}


def test_a_stranger_may_not_see_a_private_rooms_presence(people):
    ann, bob, eve = people.signed_in("ann"), people.signed_in("bob"), people.signed_in("eve")
    response = ann.post("/api/rooms", json={"kind": "group", "name": "p", "member_ids": [bob.user_id], "private": True})
    room_id, position = response.json()["room_id"], response.json()["position"]
    assert eve.get(f"/api/rooms/{room_id}/presence", params={"min_position": position}).status_code == 404


def test_bad_user_ids_are_422(ann):
    for bad in ("not-a-uuid", ",".join(str(uuid4()) for _ in range(101))):
        response = ann.get("/api/presence", params={"user_ids": bad})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "user_ids"


def test_typing_goes_to_the_room_and_appends_nothing_to_the_log(client, people):
    ann, bob = people.signed_in("ann"), people.signed_in("bob")
    room_id, position = shared_room(ann, bob)
    runtime = client.app.state.runtime
    ann.get("/api/rooms", params={"min_position": position})
    head = runtime.services.app.head()
    client.blocking_portal.call(runtime.signals.typing_start, UUID(ann.user_id), UUID(room_id), "ann-sid")
    client.blocking_portal.call(runtime.signals.typing_stop, UUID(ann.user_id), UUID(room_id))
    assert runtime.services.app.head() == head
    assert runtime.signals.typing.sessions.stats((ann.user_id, room_id)).fires == 0  # ended by stop: a flush
