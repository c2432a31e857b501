"""Sending (idempotently), editing, deleting and reacting, through HTTP."""

from __future__ import annotations

import pytest


@pytest.fixture
def room(ann):
    return ann.post("/api/rooms", json={"kind": "group", "name": "general"}).json()["room_id"]


def head(client) -> int:
    return client.app.state.runtime.services.app.head()


def test_send_answers_201_with_the_message_and_its_position(client, ann, room):
    response = ann.post(f"/api/rooms/{room}/messages", json={"body": f"hello @{ann.username}"})
    assert response.status_code == 201
    message = response.json()
    assert message["body"] == f"hello @{ann.username}" and message["author_id"] == ann.user_id and message["room_id"] == room
    assert message["mentions"] == [ann.user_id] and message["reactions"] == {} and message["deleted"] is False
    assert message["position"] == head(client) == int(response.headers["Hubbub-Position"])


@pytest.mark.parametrize("keyed", ["header", "client_msg_id", "both"])
def test_the_same_key_again_returns_the_original_and_appends_nothing(client, ann, room, keyed):
    headers = {"Idempotency-Key": "key-1"} if keyed in ("header", "both") else {}
    body = {"body": "once", **({"client_msg_id": "key-1"} if keyed in ("client_msg_id", "both") else {})}
    first = ann.post(f"/api/rooms/{room}/messages", json=body, headers=headers)
    before = head(client)

    again = ann.post(f"/api/rooms/{room}/messages", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert head(client) == before


def test_the_same_key_with_a_different_body_is_422(client, ann, room):
    ann.post(f"/api/rooms/{room}/messages", json={"body": "once"}, headers={"Idempotency-Key": "k"})
    before = head(client)
    response = ann.post(f"/api/rooms/{room}/messages", json={"body": "twice"}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("idempotency-key-reused")
    assert head(client) == before


def test_keys_are_per_author(people, ann, room):
    bob = people.signed_in("bob")
    ann.post(f"/api/rooms/{room}/members", json={"user_ids": [bob.user_id]})
    mine = ann.post(f"/api/rooms/{room}/messages", json={"body": "hi", "client_msg_id": "k"})
    theirs = bob.post(f"/api/rooms/{room}/messages", json={"body": "hi", "client_msg_id": "k"})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["message_id"] != theirs.json()["message_id"]


def test_a_header_key_and_a_different_client_msg_id_are_422(ann, room):
    response = ann.post(f"/api/rooms/{room}/messages", json={"body": "x", "client_msg_id": "a"}, headers={"Idempotency-Key": "b"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_edit_delete_and_react(client, ann, room):
    message = ann.post(f"/api/rooms/{room}/messages", json={"body": "first"}).json()
    url = f"/api/rooms/{room}/messages/{message['message_id']}"

    edited = ann.patch(url, json={"body": "second"})
    assert edited.status_code == 200
    assert edited.json()["body"] == "second" and edited.json()["edited_at"]
    assert edited.json()["position"] == head(client)

    reacted = ann.post(f"{url}/reactions", json={"emoji": "👍"})
    assert reacted.status_code == 200 and reacted.json()["reactions"] == {"👍": [ann.user_id]}
    assert ann.post(f"{url}/reactions", json={"emoji": "👍"}).json()["reactions"] == {"👍": [ann.user_id]}
    assert ann.delete(f"{url}/reactions/👍").status_code == 204

    deleted = ann.delete(url)
    assert deleted.status_code == 204 and int(deleted.headers["Hubbub-Position"]) == head(client)
    assert ann.patch(url, json={"body": "third"}).status_code == 409


def test_only_the_author_edits(people, ann, room):
    bob = people.signed_in("bob")
    ann.post(f"/api/rooms/{room}/members", json={"user_ids": [bob.user_id]})
    message = ann.post(f"/api/rooms/{room}/messages", json={"body": "mine"}).json()
    response = bob.patch(f"/api/rooms/{room}/messages/{message['message_id']}", json={"body": "yours"})
    assert response.status_code == 403


def test_threads_take_replies(ann, room):
    root = ann.post(f"/api/rooms/{room}/messages", json={"body": "root"}).json()
    reply = ann.post(f"/api/rooms/{room}/messages", json={"body": "reply", "thread_id": root["message_id"]})
    assert reply.status_code == 201 and reply.json()["thread_id"] == root["message_id"]


def test_mark_read_never_moves_backwards(ann, room):
    sent = ann.post(f"/api/rooms/{room}/messages", json={"body": "x"}).json()
    forward = ann.post(f"/api/rooms/{room}/messages/read", json={"up_to_position": sent["position"]})
    assert forward.status_code == 200 and forward.json()["last_read_position"] == sent["position"]
    back = ann.post(f"/api/rooms/{room}/messages/read", json={"up_to_position": 1}).json()
    assert back["last_read_position"] == sent["position"]


def test_unknown_messages_and_rooms_are_404(ann, room):
    missing = "00000000-0000-4000-8000-000000000000"
    assert ann.patch(f"/api/rooms/{room}/messages/{missing}", json={"body": "x"}).status_code == 404
    assert ann.post(f"/api/rooms/{missing}/messages", json={"body": "x"}).status_code == 404
    assert ann.post(f"/api/rooms/{room}/pins/{missing}").status_code == 404
