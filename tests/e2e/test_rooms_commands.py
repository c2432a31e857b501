"""Rooms through HTTP: create (DMs once per pair), membership, mute and pins."""

from __future__ import annotations

import pytest


def test_create_a_group_with_members(ann, bob):
    response = ann.post("/api/rooms", json={"kind": "group", "name": "team", "topic": "work", "member_ids": [bob.user_id], "private": True})
    assert response.status_code == 201
    room = response.json()
    assert room["kind"] == "group" and room["name"] == "team" and room["private"] is True
    roles = {m["user_id"]: m["role"] for m in room["members"]}
    assert roles == {ann.user_id: "owner", bob.user_id: "member"}
    assert room["position"] == int(response.headers["Hubbub-Position"])


def test_a_dm_exists_once_per_pair(ann, bob):
    first = ann.post("/api/rooms", json={"kind": "dm", "member_ids": [bob.user_id]})
    again = bob.post("/api/rooms", json={"kind": "dm", "member_ids": [ann.user_id]})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["room_id"] == again.json()["room_id"]


@pytest.mark.parametrize("body, field", [
    ({"kind": "party", "name": "x"}, "kind"),
    ({"kind": "group"}, "name"),
    ({"kind": "dm", "member_ids": []}, "member_ids"),
    ({"kind": "group", "name": "x", "member_ids": ["00000000-0000-4000-8000-000000000000"]}, "user_ids"),
    ({"kind": "group", "name": "x", "member_ids": ["nope"]}, "member_ids[0]"),
])
def test_bad_rooms_are_422_naming_the_field(ann, body, field):
    response = ann.post("/api/rooms", json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_join_a_public_channel_and_leave_it(ann, bob):
    room = ann.post("/api/rooms", json={"kind": "channel", "name": "news"}).json()["room_id"]
    joined = bob.post(f"/api/rooms/{room}/members", json={"user_ids": [bob.user_id]})
    assert joined.status_code == 200 and bob.user_id in [m["user_id"] for m in joined.json()["members"]]
    assert bob.delete(f"/api/rooms/{room}/members/{bob.user_id}").status_code == 204
    assert bob.post(f"/api/rooms/{room}/messages", json={"body": "x"}).status_code == 403


def test_a_private_room_is_invisible_to_outsiders(ann, bob):
    room = ann.post("/api/rooms", json={"kind": "group", "name": "secret", "private": True}).json()["room_id"]
    assert bob.post(f"/api/rooms/{room}/members", json={"user_ids": [bob.user_id]}).status_code == 404
    assert bob.post(f"/api/rooms/{room}/messages", json={"body": "x"}).status_code == 404


def test_only_owners_remove_others(people, ann, bob):
    cat = people.signed_in("cat")
    room = ann.post("/api/rooms", json={"kind": "group", "name": "g", "member_ids": [bob.user_id, cat.user_id]}).json()["room_id"]
    assert bob.delete(f"/api/rooms/{room}/members/{cat.user_id}").status_code == 403
    assert ann.delete(f"/api/rooms/{room}/members/{cat.user_id}").status_code == 204


def test_mute_and_pins(ann):
    room = ann.post("/api/rooms", json={"kind": "group", "name": "g"}).json()["room_id"]
    muted = ann.patch(f"/api/rooms/{room}/mute", json={"muted": True})
    assert muted.status_code == 200 and muted.json()["muted"] is True and muted.json()["position"] >= 1
    message = ann.post(f"/api/rooms/{room}/messages", json={"body": "pin me"}).json()["message_id"]
    pinned = ann.post(f"/api/rooms/{room}/pins/{message}")
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    assert ann.delete(f"/api/rooms/{room}/pins/{message}").status_code == 204
