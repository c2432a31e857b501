"""Who receives a private room's events over sockets: every event kind against every kind of
viewer, live (sockets connected before anything happens) and replayed (connected with `since`).

Viewers: a member, the member's other device, a non-member, the non-member's other device, a
member removed before the events, and a user added at the start of them (connected before it)."""

from __future__ import annotations

import pytest

from tests.e2e.sockets import Person, Socket, uvicorn_serving

KINDS = ["member:joined", "message:new", "message:edited", "reaction", "read:receipt", "room:updated",
         "message:deleted", "member:left"]
SEES_ALL = {"member", "member_other_device", "newly_added"}
VIEWERS = ["member", "member_other_device", "non_member", "non_member_other_device", "removed_member", "newly_added"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with uvicorn_serving(tmp_path_factory.mktemp("matrix")) as url:
        yield url


async def _play(base):
    """Every kind of event in one private room; returns the people, sockets, room and positions."""
    ann, bob, cat, dan, eve, fay = (Person(base, n) for n in ("ann", "bob", "cat", "dan", "eve", "fay"))
    room = ann.room(bob, dan, fay)
    assert ann.call("DELETE", f"/api/rooms/{room}/members/{dan.user_id}").status_code == 204
    start = ann.send(room, "before the matrix")
    tokens = {"member": bob.token, "member_other_device": bob.sign_in("phone"), "non_member": cat.token,
              "non_member_other_device": cat.sign_in("phone"), "removed_member": dan.token, "newly_added": eve.token}
    sockets = {viewer: await Socket(base, token).connect() for viewer, token in tokens.items()}
    for socket in sockets.values():  # live: a connect without since follows from the head on
        await socket.wait_for(lambda s: s.client.connected)
    added = ann.call("POST", f"/api/rooms/{room}/members", json={"user_ids": [eve.user_id]})
    assert added.status_code == 200
    message = ann.call("POST", f"/api/rooms/{room}/messages", json={"body": "secret"}).json()
    message_id = message["message_id"]
    assert ann.call("PATCH", f"/api/rooms/{room}/messages/{message_id}", json={"body": "secret v2"}).status_code == 200
    assert ann.call("POST", f"/api/rooms/{room}/messages/{message_id}/reactions", json={"emoji": "👀"}).status_code == 200
    assert ann.call("POST", f"/api/rooms/{room}/messages/read", json={"up_to_position": message["position"]}).status_code == 200
    assert ann.call("POST", f"/api/rooms/{room}/pins/{message_id}").status_code == 200
    assert ann.call("DELETE", f"/api/rooms/{room}/messages/{message_id}").status_code == 204
    assert ann.call("DELETE", f"/api/rooms/{room}/members/{fay.user_id}").status_code == 204
    last = ann.send(room, "the end")
    return room, start, last, tokens, sockets


def _kinds(socket: Socket, room: str, start: int) -> list[str]:
    return [e for e, d in socket.durable() if d["room_id"] == room and d["position"] > start and e in KINDS]


async def test_the_socket_authorization_matrix(base):
    room, start, last, tokens, sockets = await _play(base)
    member = sockets["member"]
    await member.wait_event("message:new", lambda d: d["position"] == last)
    replayed = {viewer: await Socket(base, token, since=start).connect() for viewer, token in tokens.items()}
    for socket in replayed.values():
        await socket.wait_event("sync:done")
    cells = 0
    try:
        for how, group in (("live", sockets), ("replayed", replayed)):
            for viewer in VIEWERS:
                got = _kinds(group[viewer], room, start)
                for kind in KINDS:
                    expected = viewer in SEES_ALL
                    assert (kind in got) == expected, f"{how} {viewer} {kind}: {got}"
                    cells += 1
            assert _kinds(group["member"], room, start) == _kinds(group["newly_added"], room, start)
            assert _kinds(group["member"], room, start) == _kinds(group["member_other_device"], room, start)
    finally:
        for socket in [*sockets.values(), *replayed.values()]:
            await socket.close()
    assert cells == len(KINDS) * len(VIEWERS) * 2 == 96


async def test_a_socket_follows_membership_changes_without_reconnecting(base):
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room()
    socket = await Socket(base, bob.token).connect()
    try:
        ann.send(room, "before bob")
        joined = ann.call("POST", f"/api/rooms/{room}/members", json={"user_ids": [bob.user_id]}).json()["position"]
        ann.send(room, "while bob is in")
        assert ann.call("DELETE", f"/api/rooms/{room}/members/{bob.user_id}").status_code == 204
        after = ann.send(room, "after bob")
        await Socket.wait_for(socket, lambda s: s.named("member:left"))
        probe = ann.room(bob)  # a later room bob is in: once its events arrive, the earlier ones have
        ann.send(probe, "probe")
        await socket.wait_event("message:new", lambda d: d["room_id"] == probe)
        in_room = [(e, d) for e, d in socket.durable() if d["room_id"] == room]
        assert [e for e, _ in in_room] == ["member:joined", "message:new", "member:left"]
        assert in_room[0][1]["position"] == joined and all(d["position"] < after for _, d in in_room)
        assert in_room[1][1]["message"]["body"] == "while bob is in"
    finally:
        await socket.close()
