"""Authorization as a matrix: every route × owner, member, removed member, outsider, admin, anonymous,
in a public and a private room. Each case runs in a fresh room so no case changes another's.

The rule: members act; a non-member (removed members and site admins included) gets 404 for a
room they cannot see (private) and 403 for one they can (public); anonymous callers get 401; only
admins reach admin routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.people import PASSWORD, Caller, People

ACTORS = ("owner", "member", "removed", "outsider", "admin", "anonymous")
NON_MEMBERS = ("removed", "outsider", "admin")
NOBODY = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    ok: int
    body: dict[str, Any] | None = None
    member: int | None = None  # when a plain member's answer differs from the owner's
    public_outsider: int = 403  # a non-member's answer in a room they can see

    def expected(self, actor: str, private: bool) -> int:
        if actor == "anonymous":
            return 401
        if actor in NON_MEMBERS:
            return 404 if private else self.public_outsider
        if actor == "member" and self.member is not None:
            return self.member
        return self.ok

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROOM_ROUTES = [
    Route("GET", "/api/rooms/{room}", 200, public_outsider=200),
    Route("POST", "/api/rooms/{room}/members", 200, {"user_ids": ["{newcomer}"]}, member=None),
    Route("DELETE", "/api/rooms/{room}/members/{target}", 204, member=403),
    Route("PATCH", "/api/rooms/{room}/mute", 200, {"muted": True}),
    Route("POST", "/api/rooms/{room}/pins/{message}", 200),
    Route("DELETE", "/api/rooms/{room}/pins/{message}", 204),
    Route("POST", "/api/rooms/{room}/messages", 201, {"body": "hello"}),
    Route("GET", "/api/rooms/{room}/messages", 200),
    Route("GET", "/api/rooms/{room}/messages/search?q=hello", 200),
    Route("GET", "/api/rooms/{room}/messages/unread", 200),
    Route("POST", "/api/rooms/{room}/messages/read", 200, {"up_to_position": 1}),
    Route("PATCH", "/api/rooms/{room}/messages/{message}", 200, {"body": "edited"}, member=403),
    Route("DELETE", "/api/rooms/{room}/messages/{message}", 204, member=403),
    Route("POST", "/api/rooms/{room}/messages/{message}/reactions", 200, {"emoji": "👍"}),
    Route("DELETE", "/api/rooms/{room}/messages/{message}/reactions/👍", 204),
    Route("GET", "/api/rooms/{room}/analytics", 200),
    Route("GET", "/api/rooms/{room}/analytics/heatmap.svg", 200),
    Route("GET", "/api/rooms/{room}/presence", 200),
]
# Only a moderator invites into a private room; in a public one any member may.
PRIVATE_MEMBER_OVERRIDES = {"POST /api/rooms/{room}/members": 403}

SIGNED_IN_ROUTES = [
    Route("GET", "/api/auth/me", 200),
    Route("PATCH", "/api/auth/me/notifications", 200, {"digest_window_s": 60}),
    Route("GET", "/api/auth/sessions", 200),
    Route("DELETE", f"/api/auth/sessions/{NOBODY}", 404),
    # The same password again: refused only after the caller and the current password are checked.
    Route("POST", "/api/auth/password", 422, {"current_password": PASSWORD, "new_password": PASSWORD}),
    Route("GET", "/api/rooms", 200),
    Route("POST", "/api/rooms", 201, {"kind": "group", "name": "mine"}),
    Route("GET", "/api/notifications", 200),
    Route("PATCH", "/api/notifications/read-all", 200),
    Route("PATCH", f"/api/notifications/{NOBODY}/read", 404),
    Route("POST", "/api/notifications/categories/news/subscription", 200),
    Route("DELETE", "/api/notifications/categories/news/subscription", 204),
    Route("GET", f"/api/presence?user_ids={NOBODY}", 200),
    Route("PUT", "/api/notifications/channels/webhook", 200, {"url": "https://example.org/h", "secret": "s" * 16}),
    Route("DELETE", "/api/notifications/channels/webhook", 204),
    Route("PUT", "/api/notifications/channels/email", 200, {"address": "ann@example.org"}),
    Route("DELETE", "/api/notifications/channels/email", 204),
    Route("GET", "/api/notifications/deliveries", 200),
]
ADMIN_ROUTES = [
    Route("GET", "/api/analytics", 200),
    Route("GET", "/api/analytics/heatmap.svg", 200),
    Route("POST", "/api/notifications/broadcast", 202,
          {"category": "news", "title": "Hello", "body": "Welcome", "priority": "transactional"}),
]


@dataclass
class Cast:
    people: dict[str, Caller] = field(default_factory=dict)
    newcomer: Caller | None = None
    target: Caller | None = None


@pytest.fixture(scope="module")
def cast(client) -> Cast:
    people = People(client)
    cast = Cast({name: people.signed_in(name) for name in ACTORS if name != "anonymous"})
    cast.people["anonymous"] = people.anonymous()
    people.promote(cast.people["admin"])
    cast.newcomer, cast.target = people.signed_in("newcomer"), people.signed_in("target")
    return cast


def world(cast: Cast, private: bool) -> dict[str, str]:
    """A fresh room: owner, member, a target member, a removed member, and one message."""
    owner = cast.people["owner"]
    members = [cast.people["member"].user_id, cast.people["removed"].user_id, cast.target.user_id]
    room = owner.post("/api/rooms", json={"kind": "group", "name": "matrix", "member_ids": members, "private": private})
    assert room.status_code == 201, room.text
    room_id = room.json()["room_id"]
    removed = owner.delete(f"/api/rooms/{room_id}/members/{cast.people['removed'].user_id}")
    assert removed.status_code == 204
    message = owner.post(f"/api/rooms/{room_id}/messages", json={"body": "hello world"}).json()
    return {"room": room_id, "message": message["message_id"], "target": cast.target.user_id,
            "newcomer": cast.newcomer.user_id, "position": str(message["position"])}


def call(caller: Caller, route: Route, values: dict[str, str]):
    path, _, query = route.path.format(**values).partition("?")
    params = dict(pair.split("=") for pair in query.split("&") if pair)
    if route.method == "GET" and "position" in values:
        params["min_position"] = values["position"]  # read our own writes
    return caller.request(route.method, path, json=_filled(route.body, values), params=params)


def _filled(body: Any, values: dict[str, str]) -> Any:
    if isinstance(body, dict):
        return {k: _filled(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [_filled(v, values) for v in body]
    return body.format(**values) if isinstance(body, str) else body


ROOM_CASES = [(r, a, p) for r in ROOM_ROUTES for a in ACTORS for p in (False, True)]


@pytest.mark.parametrize("route, actor, private", ROOM_CASES,
                         ids=[f"{r}-{a}-{'private' if p else 'public'}" for r, a, p in ROOM_CASES])
def test_room_routes(cast, route, actor, private):
    expected = route.expected(actor, private)
    if private and actor == "member" and str(route) in PRIVATE_MEMBER_OVERRIDES:
        expected = PRIVATE_MEMBER_OVERRIDES[str(route)]
    response = call(cast.people[actor], route, world(cast, private))
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


USER_CASES = [(r, a) for r in SIGNED_IN_ROUTES for a in ACTORS]


@pytest.mark.parametrize("route, actor", USER_CASES, ids=[f"{r}-{a}" for r, a in USER_CASES])
def test_signed_in_routes(cast, route, actor):
    response = call(cast.people[actor], route, {})
    assert response.status_code == (401 if actor == "anonymous" else route.ok), response.text


ADMIN_CASES = [(r, a) for r in ADMIN_ROUTES for a in ACTORS]


@pytest.mark.parametrize("route, actor", ADMIN_CASES, ids=[f"{r}-{a}" for r, a in ADMIN_CASES])
def test_admin_routes(cast, route, actor):
    expected = {"anonymous": 401, "admin": route.ok}.get(actor, 403)
    assert call(cast.people[actor], route, {}).status_code == expected


def test_the_matrix_covers_every_api_route(client):
    """A route added without a row here fails this test."""
    schema = client.get("/schema/openapi.json").json()
    documented = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    public = {("POST", f"/api/auth/{name}") for name in ("register", "login", "refresh", "logout")}
    in_matrix = {(r.method, _template(r.path)) for r in ROOM_ROUTES + SIGNED_IN_ROUTES + ADMIN_ROUTES}
    api = {(m, p) for m, p in documented if p.startswith("/api")}
    assert api - public == in_matrix


def _template(path: str) -> str:
    path = path.split("?")[0].replace("{room}", "{room_id}").replace("{message}", "{message_id}")
    path = path.replace("{target}", "{user_id}").replace("👍", "{emoji}")
    path = path.replace(f"sessions/{NOBODY}", "sessions/{session_id}").replace(f"notifications/{NOBODY}", "notifications/{notification_id}")
    return path.replace("categories/news", "categories/{category}")
