"""The audit routes end to end: filters, cursor pages, requests, time travel, export, verify,
and the record every reading leaves in the log."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest


@pytest.fixture
def admin(people):
    caller = people.signed_in("auditor")
    people.promote(caller)
    return caller


@pytest.fixture
def room(ann, bob):
    created = ann.post("/api/rooms", json={"kind": "group", "name": "audited", "member_ids": [bob.user_id]})
    assert created.status_code == 201, created.text
    return created.json()["room_id"]


def send(caller, room_id: str, body: str, request_id: str | None = None) -> dict:
    headers = {"X-Request-ID": request_id} if request_id else {}
    sent = caller.post(f"/api/rooms/{room_id}/messages", json={"body": body}, headers=headers)
    assert sent.status_code == 201, sent.text
    return sent.json()


def events(admin, **params) -> dict:
    answer = admin.get("/api/audit/events", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_items_carry_who_what_when_and_which_request(admin, ann, room):
    sent = send(ann, room, "hello audit", request_id="audit-req-0001")
    page = events(admin, aggregate_id=sent["message_id"])
    [item] = page["items"]
    assert item["type"] == "Message.Sent" and item["aggregate_type"] == "Message" and item["version"] == 1
    assert item["actor_id"] == ann.user_id
    assert item["correlation_id"] == item["causation_id"] == "audit-req-0001"
    assert item["data"]["body"] == "hello audit" and item["position"] == sent["position"]
    assert datetime.fromisoformat(item["at"]) <= datetime.now(timezone.utc)
    assert page["next_cursor"] is None


def test_filters_by_actor_and_type_with_cursor_pages_both_ways(admin, ann, bob, room):
    first = send(bob, room, "one")["position"]
    for n in range(4):
        send(bob, room, f"more {n}")
    newest = events(admin, actor_id=bob.user_id, type="Message.Sent", limit=2)
    older = events(admin, actor_id=bob.user_id, type="Message.Sent", limit=2, cursor=newest["next_cursor"])
    last = events(admin, actor_id=bob.user_id, type="Message.Sent", limit=2, cursor=older["next_cursor"])
    positions = [i["position"] for p in (newest, older, last) for i in p["items"]]
    assert positions == sorted(positions, reverse=True) and len(positions) == 5 and positions[-1] == first
    oldest = events(admin, actor_id=bob.user_id, type="Message.Sent", order="oldest", after_position=first, limit=100)
    assert [i["position"] for i in oldest["items"]] == sorted(positions)[1:]
    assert all(i["actor_id"] == bob.user_id for i in oldest["items"])


def test_time_range(admin, ann, room):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    sent = send(ann, room, "in range")
    inside = events(admin, aggregate_id=sent["message_id"], since=before.isoformat(),
                    until=(datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat())
    assert len(inside["items"]) == 1
    later = events(admin, aggregate_id=sent["message_id"], since=(datetime.now(timezone.utc) + timedelta(hours=1)).isoformat())
    assert later["items"] == []
    naive = admin.get("/api/audit/events", params={"since": "2024-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "since"


def test_every_event_of_one_request(admin, ann, room):
    send(ann, room, "first of the request", request_id="audit-req-0002")
    items = admin.get("/api/audit/requests/audit-req-0002").json()["items"]
    assert [i["data"]["body"] for i in items] == ["first of the request"]
    assert admin.get("/api/audit/requests/nothing-such").json() == {"items": []}


def test_state_at_a_version_or_a_time(admin, ann, room):
    sent = send(ann, room, "before")
    between = datetime.now(timezone.utc)
    edited = ann.patch(f"/api/rooms/{room}/messages/{sent['message_id']}", json={"body": "after"})
    assert edited.status_code == 200, edited.text
    path = f"/api/audit/aggregates/{sent['message_id']}"
    assert admin.get(path, params={"version": 1}).json()["state"]["body"] == "before"
    latest = admin.get(path).json()
    assert latest["version"] == 2 and latest["type"] == "Message" and latest["state"]["body"] == "after"
    assert admin.get(path, params={"at": between.isoformat()}).json()["version"] == 1
    assert admin.get(path, params={"version": 3}).status_code == 422
    assert admin.get("/api/audit/aggregates/00000000-0000-4000-8000-000000000001").status_code == 404


def test_export_streams_ndjson_and_resumes(admin, ann, room):
    sent = send(ann, room, "exported")
    whole = admin.get("/api/audit/export")
    assert whole.status_code == 200 and whole.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in whole.text.splitlines()]
    assert [line["position"] for line in lines] == list(range(1, len(lines) + 1))
    assert any(line["data"].get("body") == "exported" for line in lines)
    resumed = admin.get("/api/audit/export", params={"after_position": sent["position"]}).text.splitlines()
    assert json.loads(resumed[0])["position"] == sent["position"] + 1


def test_verify_is_clean_on_an_untouched_log(admin, ann, room):
    send(ann, room, "chained")
    report = admin.get("/api/audit/verify").json()
    assert report["ok"] is True and report["first_bad_position"] is None and report["checked"] == report["head"] > 0


def test_every_reading_is_recorded(admin, ann, room):
    admin.get("/api/audit/requests/who-looked")
    recorded = events(admin, actor_id=admin.user_id, type="AuditAccess.Recorded", limit=5)["items"]
    looked = [i for i in recorded if i["data"]["action"] == "request"]
    assert looked[0]["data"]["target"] == "who-looked"


def test_only_admins(ann):
    assert ann.get("/api/audit/events").status_code == 403
