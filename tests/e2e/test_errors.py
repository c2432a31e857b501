"""Every error is problem+json: validation lists each bad field, and sizes and types are enforced."""

from __future__ import annotations

import pytest

from hubbub.application.errors import ConcurrentUpdate

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_each_bad_field_is_listed(client):
    response = client.post("/api/auth/register", json={"username": "a", "password": 5})
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["username", "password"]
    assert all(e["message"] for e in body["errors"])


def test_missing_and_nested_fields_are_named(people):
    ann = people.signed_in("ann")
    change = {"digest_window_s": -1, "quiet_hours": {"start": "25:00", "end": "07:00"}, "categories": ["ok", "Not OK"]}
    body = assert_problem(ann.patch("/api/auth/me/notifications", json=change), 422)
    assert [e["field"] for e in body["errors"]] == ["digest_window_s", "quiet_hours.start", "categories[1]"]
    missing = assert_problem(ann.post("/api/auth/register", json={"password": "long enough"}), 422)
    assert [e["field"] for e in missing["errors"]] == ["username"]


def test_a_body_that_is_not_an_object_is_422_on_the_body(client):
    body = assert_problem(client.post("/api/auth/login", json=[1, 2]), 422)
    assert [e["field"] for e in body["errors"]] == ["body"]


def test_domain_validation_names_its_field(people):
    ann = people.signed_in("ann")
    room = ann.post("/api/rooms", json={"kind": "group", "name": "g"}).json()["room_id"]
    body = assert_problem(ann.post(f"/api/rooms/{room}/messages", json={"body": "   "}), 422)
    assert body["errors"] == [{"field": "body", "message": body["errors"][0]["message"]}]


def test_malformed_json_is_400(client):
    assert_problem(client.post("/api/auth/login", content=b'{"username": ', headers={"content-type": "application/json"}), 400)


def test_a_missing_body_is_a_problem(client):
    response = client.post("/api/auth/login", headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith(PROBLEM)


def test_oversized_bodies_are_413(client):
    big = b'{"username": "' + b"a" * (64 * 1024) + b'"}'
    assert_problem(client.post("/api/auth/login", content=big, headers={"content-type": "application/json"}), 413)


def test_oversized_chunked_bodies_are_413(client):
    def chunks():
        for _ in range(70):
            yield b"a" * 1024

    response = client.post("/api/auth/login", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(response, 413)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_non_json_bodies_are_415(client, content_type):
    assert_problem(client.post("/api/auth/login", content=b"username=ann", headers={"content-type": content_type}), 415)


def test_json_with_a_charset_is_fine(client):
    response = client.post("/api/auth/login", content=b'{"username": "x", "password": "y"}',
                           headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 401


def test_unknown_routes_and_methods_are_problems(client):
    assert_problem(client.get("/api/nothing-here"), 404)
    assert_problem(client.put("/api/auth/login", json={}), 405)


def test_malformed_ids_are_404(people):
    ann = people.signed_in("ann")
    assert_problem(ann.post("/api/rooms/not-a-uuid/messages", json={"body": "x"}), 404)


def test_concurrency_conflicts_are_409(people, client, monkeypatch):
    ann = people.signed_in("ann")
    room = ann.post("/api/rooms", json={"kind": "group", "name": "g"}).json()["room_id"]

    async def racing(*args, **kwargs):
        raise ConcurrentUpdate("gave up after 16 concurrent-update retries")

    monkeypatch.setattr(client.app.state.runtime.commands, "submit", racing)
    body = assert_problem(ann.patch(f"/api/rooms/{room}/mute", json={"muted": True}), 409)
    assert body["type"].endswith("concurrent-update")


def test_an_unexpected_failure_is_a_500_problem_without_internals(people, client, monkeypatch):
    ann = people.signed_in("ann")

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(client.app.state.runtime.services.accounts, "get", broken)
    body = assert_problem(ann.get("/api/auth/me"), 500)
    assert "secret" not in body["detail"]
