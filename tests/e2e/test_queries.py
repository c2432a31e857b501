"""Queries read the read models, after waiting for the caller's own writes (min_position)."""

from __future__ import annotations

import pytest


def create(owner, **room) -> tuple[str, int]:
    created = owner.post("/api/rooms", json={"kind": "group", "name": "team", **room}).json()
    return created["room_id"], created["position"]


def send(author, room: str, body: str) -> dict:
    response = author.post(f"/api/rooms/{room}/messages", json={"body": body})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_room_list_shows_counts_mute_and_the_last_message(ann, bob):
    room, _ = create(ann, member_ids=[bob.user_id])
    send(ann, room, "hello")
    last = send(ann, room, f"hey @{bob.username}")
    muted = bob.patch(f"/api/rooms/{room}/mute", json={"muted": True}).json()["position"]

    rooms = bob.get("/api/rooms", params={"min_position": max(last["position"], muted)}).json()

    assert len(rooms) == 1
    entry = rooms[0]
    assert entry["room_id"] == room and entry["unread"] == 2 and entry["mentions"] == 1 and entry["muted"] is True
    assert entry["last_message"]["message_id"] == last["message_id"] and entry["role"] == "member"


def test_a_room_shows_its_members(ann, bob):
    room, position = create(ann, member_ids=[bob.user_id])
    shown = ann.get(f"/api/rooms/{room}", params={"min_position": position}).json()
    assert shown["room_id"] == room and shown["member_count"] == 2
    assert {m["user_id"]: m["role"] for m in shown["members"]} == {ann.user_id: "owner", bob.user_id: "member"}
    assert all(m["joined_at"] for m in shown["members"])


def test_a_public_room_is_visible_to_outsiders_and_a_private_one_is_not(ann, bob):
    public, _ = create(ann, kind="channel", name="news")
    private, position = create(ann, private=True)
    assert bob.get(f"/api/rooms/{public}", params={"min_position": position}).status_code == 200
    assert bob.get(f"/api/rooms/{private}").status_code == 404
    assert bob.get(f"/api/rooms/{public}/messages").status_code == 403


def test_pages_go_back_and_forth_by_cursor(ann):
    room, _ = create(ann)
    sent = [send(ann, room, f"message {n}") for n in range(5)]
    wait = {"min_position": sent[-1]["position"]}

    newest = ann.get(f"/api/rooms/{room}/messages", params={**wait, "limit": 2}).json()
    assert [m["body"] for m in newest["items"]] == ["message 3", "message 4"]
    assert newest["next_cursor"] is None and newest["prev_cursor"] == sent[3]["position"]

    older = ann.get(f"/api/rooms/{room}/messages", params={"before": newest["prev_cursor"], "limit": 2}).json()
    assert [m["body"] for m in older["items"]] == ["message 1", "message 2"]

    forward = ann.get(f"/api/rooms/{room}/messages", params={"after": sent[0]["position"], "limit": 3}).json()
    assert [m["body"] for m in forward["items"]] == ["message 1", "message 2", "message 3"]
    assert forward["next_cursor"] == sent[3]["position"]


def test_a_deleted_message_keeps_its_place_without_a_body(ann):
    room, _ = create(ann)
    first, second = send(ann, room, "keep"), send(ann, room, "drop")
    deleted = ann.delete(f"/api/rooms/{room}/messages/{second['message_id']}")
    items = ann.get(f"/api/rooms/{room}/messages", params={"min_position": deleted.headers["Hubbub-Position"]}).json()["items"]
    assert [(m["message_id"], m["body"], m["deleted"]) for m in items] == [
        (first["message_id"], "keep", False), (second["message_id"], None, True)]


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_page_limits_are_1_to_100(ann, limit):
    room, position = create(ann)
    response = ann.get(f"/api/rooms/{room}/messages", params={"limit": limit, "min_position": position})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "limit"


def test_search_finds_whole_words_in_the_room(ann):
    room, _ = create(ann)
    send(ann, room, "the quick brown fox")
    last = send(ann, room, "a lazy dog")
    found = ann.get(f"/api/rooms/{room}/messages/search", params={"q": "QUICK fox", "min_position": last["position"]})
    assert found.status_code == 200
    assert [m["body"] for m in found.json()["items"]] == ["the quick brown fox"]


def test_unread_counts_and_mark_read(ann, bob):
    room, _ = create(ann, member_ids=[bob.user_id])
    send(ann, room, "one")
    last = send(ann, room, f"two @{bob.username}")
    unread = bob.get(f"/api/rooms/{room}/messages/unread", params={"min_position": last["position"]}).json()
    assert unread == {"unread": 2, "mentions": 1, "last_read_position": 0}
    marked = bob.post(f"/api/rooms/{room}/messages/read", json={"up_to_position": last["position"]}).json()
    after = bob.get(f"/api/rooms/{room}/messages/unread", params={"min_position": marked["position"]}).json()
    assert after == {"unread": 0, "mentions": 0, "last_read_position": last["position"]}


def test_a_position_the_read_models_never_reach_is_409_stale_read_model(ann):
    response = ann.get("/api/rooms", params={"min_position": 10**9})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("stale-read-model")


def test_notifications_list_read_and_read_all(ann, bob):
    room, _ = create(ann, member_ids=[bob.user_id])
    send(ann, room, f"@{bob.username} one")
    last = send(ann, room, f"@{bob.username} two")
    inbox = bob.get("/api/notifications", params={"min_position": last["position"], "limit": 1}).json()
    assert len(inbox["items"]) == 1 and inbox["next_cursor"] and inbox["items"][0]["kind"] == "mention"
    newest = inbox["items"][0]

    read = bob.patch(f"/api/notifications/{newest['id']}/read")
    assert read.status_code == 200 and read.json()["read"] is True

    page = bob.get("/api/notifications", params={"min_position": read.json()["position"]}).json()
    assert [n["read"] for n in page["items"]] == [True, False]
    everything = bob.patch("/api/notifications/read-all")
    assert everything.status_code == 200 and everything.json()["updated"] == 1
    final = bob.get("/api/notifications", params={"min_position": everything.json()["position"]}).json()
    assert all(n["read"] for n in final["items"]) and final["unread"] == 0


def test_someone_elses_notification_is_404(ann, bob):
    room, _ = create(ann, member_ids=[bob.user_id])
    last = send(ann, room, f"@{bob.username} hi")
    mine = bob.get("/api/notifications", params={"min_position": last["position"]}).json()["items"][0]["id"]
    assert ann.patch(f"/api/notifications/{mine}/read").status_code == 404


def test_category_subscriptions_show_in_preferences(ann):
    assert ann.post("/api/notifications/categories/news/subscription").status_code == 200
    assert ann.get("/api/auth/me").json()["notification_prefs"]["categories"] == ["news"]
    assert ann.delete("/api/notifications/categories/news/subscription").status_code == 204
    assert ann.get("/api/auth/me").json()["notification_prefs"]["categories"] == []
    assert ann.post("/api/notifications/categories/NOT%20OK/subscription").status_code == 422


def test_room_analytics_for_members_and_global_analytics_for_admins(people, ann, bob):
    room, _ = create(ann)
    last = send(ann, room, "counted")
    figures = ann.get(f"/api/rooms/{room}/analytics", params={"min_position": last["position"], "tz": "Europe/Paris"}).json()
    assert figures["messages_total"] == 1 and figures["top_senders"] == [{"user_id": ann.user_id, "count": 1}]
    assert len(figures["heatmap"]) == 7 and all(len(day) == 24 for day in figures["heatmap"])
    svg = ann.get(f"/api/rooms/{room}/analytics/heatmap.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    assert bob.get(f"/api/rooms/{room}/analytics").status_code == 403
    assert ann.get("/api/analytics").status_code == 403
    people.promote(bob)
    assert bob.get("/api/analytics", params={"min_position": last["position"]}).json()["messages_total"] >= 1
    assert ann.get(f"/api/rooms/{room}/analytics", params={"tz": "Mars/Olympus"}).status_code == 422
