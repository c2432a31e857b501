"""Crypto-shredding end to end: after an erasure every answer shows "[erased]" for the user's
data, live and after a full rebuild; search no longer finds their words; the chain still verifies."""

from __future__ import annotations

import json

import pytest

from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from hubbub.projections.registry import selected
from tests.polling import wait_until

ERASED = "[erased]"


@pytest.fixture
def admin(people):
    caller = people.signed_in("eraser")
    people.promote(caller)
    return caller


def send(caller, room: str, body: str) -> dict:
    sent = caller.post(f"/api/rooms/{room}/messages", json={"body": body})
    assert sent.status_code == 201, sent.text
    return sent.json()


def seen_by_bob(ann, bob, room: str, position: int) -> dict:
    wait = {"min_position": position}
    return {
        "timeline": bob.get(f"/api/rooms/{room}/messages", params=wait).json()["items"],
        "search": bob.get(f"/api/rooms/{room}/messages/search", params={**wait, "q": "zebracorn"}).json()["items"],
        "inbox": bob.get("/api/notifications", params=wait).json()["items"],
        "rooms": bob.get("/api/rooms", params=wait).json(),
    }


def assert_erased(seen: dict, ann_id: str, bob_said: str) -> None:
    bodies = {m["author_id"]: m["body"] for m in seen["timeline"]}
    assert bodies[ann_id] == ERASED and bodies != {ann_id: ERASED}
    assert bob_said in {m["body"] for m in seen["timeline"]}
    assert seen["search"] == []
    mention = [n for n in seen["inbox"] if n["actor_id"] == ann_id]
    assert mention and all(n["preview"] == ERASED for n in mention)
    [room] = seen["rooms"]
    assert room["last_message"]["body"] == ERASED


def test_erasure_reaches_every_answer_live_and_after_a_rebuild(client, admin, ann, bob):
    room = ann.post("/api/rooms", json={"kind": "group", "name": "secrets", "member_ids": [bob.user_id]}).json()["room_id"]
    bob_said = send(bob, room, "nothing personal")["body"]
    last = send(ann, room, f"@{bob.username} the zebracorn plan")
    before = seen_by_bob(ann, bob, room, last["position"])
    assert [m["body"] for m in before["search"]] == [f"@{bob.username} the zebracorn plan"]

    erased = admin.post("/api/audit/erasures", json={"user_id": ann.user_id, "reason": "right to erasure"})
    assert erased.status_code == 202, erased.text
    position = erased.json()["position"]

    assert_erased(seen_by_bob(ann, bob, room, position), ann.user_id, bob_said)
    me = ann.get("/api/auth/me").json()
    assert me["display_name"] == me["username"] == ERASED
    audit = admin.get("/api/audit/events", params={"aggregate_id": last["message_id"]}).json()["items"]
    assert audit[0]["data"]["body"] == ERASED
    exported = admin.get("/api/audit/export").text
    assert "zebracorn" not in exported and "Erasure.Requested" in exported
    assert admin.get("/api/audit/verify").json()["ok"] is True

    runtime = client.app.state.runtime
    versions = rebuild(EventLog(runtime.services.app), runtime.read_models.read_store, selected("all"), grace_s=0)
    wait_until(lambda: all(runtime.read_models.read_store.active_version(n) == v for n, v in versions.items()))
    rebuilt = wait_until(lambda: _switched(ann, bob, room, position), timeout=5)
    assert_erased(rebuilt, ann.user_id, bob_said)


def _switched(ann, bob, room: str, position: int) -> dict | None:
    try:
        seen = seen_by_bob(ann, bob, room, position)
        return seen if seen["rooms"] and seen["timeline"] else None
    except (KeyError, json.JSONDecodeError):
        return None


def test_the_erasure_is_an_audited_event(admin, people):
    carol = people.signed_in("carol")
    position = admin.post("/api/audit/erasures", json={"user_id": carol.user_id, "reason": "asked"}).json()["position"]
    [item] = admin.get("/api/audit/events", params={"type": "Erasure.Requested", "after_position": position - 1}).json()["items"]
    assert item["data"]["user_id"] == carol.user_id and item["data"]["reason"] == "asked"
    assert item["actor_id"] == admin.user_id and item["position"] == position


def test_an_unknown_user_is_404_and_a_reason_is_required(admin):
    nobody = "00000000-0000-4000-8000-000000000009"
    assert admin.post("/api/audit/erasures", json={"user_id": nobody, "reason": "x"}).status_code == 404
    assert admin.post("/api/audit/erasures", json={"user_id": nobody, "reason": ""}).status_code == 422


def test_a_broadcasters_text_is_erased_from_every_inbox(admin, people, bob):
    herald = people.signed_in("herald")
    people.promote(herald)
    announced = herald.post("/api/notifications/broadcast", json={
        "category": "news", "title": "Gala tonight", "body": "Bring the okapi", "priority": "transactional"})
    assert announced.status_code == 202, announced.text
    position = admin.post("/api/audit/erasures", json={"user_id": herald.user_id, "reason": "left"}).json()["position"]
    inbox = bob.get("/api/notifications", params={"min_position": position}).json()["items"]
    [broadcast] = [n for n in inbox if n["kind"] == "broadcast" and n["actor_id"] == herald.user_id]
    assert broadcast["title"] == broadcast["preview"] == ERASED
