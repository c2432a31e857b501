"""The raw HTTP surface under arbitrary bytes, nesting and numbers: never a 5xx, always problem+json.

Schemathesis generates valid JSON within the schema; this sends what a hostile client would:
bytes that are not UTF-8, JSON nested a thousand deep, integers past 64 bits, in every query
parameter and body field of every route, signed in and not. The examples are bounded so that
the test takes a few seconds.
"""

from __future__ import annotations

import json
import re
import uuid
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from tests.e2e.conftest import e2e_settings
from tests.e2e.people import People

PROBLEM = "application/problem+json"
QUERY_NAMES = ["before", "after", "cursor", "min_position", "up_to_position", "limit", "q", "tz"]
FIELD_NAMES = ["username", "password", "display_name", "device_name", "refresh_token", "body", "client_msg_id",
               "thread_id", "emoji", "up_to_position", "kind", "name", "topic", "member_ids", "user_ids", "muted",
               "private", "digest_window_s", "quiet_hours", "categories", "category", "title", "priority"]
BIG = [2**63 - 1, 2**63, 2**64, 10**20, 10**40, -(2**63) - 1, 99999999999999999999]


@contextmanager
def _surface(directory):
    with TestClient(create_app(e2e_settings(directory))) as client:
        ann = People(client).signed_in("ann")
        room = ann.post("/api/rooms", json={"kind": "group", "name": "fuzz"}).json()["room_id"]
        message = ann.post(f"/api/rooms/{room}/messages", json={"body": "hello"}).json()["message_id"]
        ids = {"room_id": room, "message_id": message, "user_id": ann.user_id}
        yield client, ann, _routes(client, ids)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """Its own server: what the fuzzer changes (a room left, a session ended) touches no other test."""
    with _surface(tmp_path_factory.mktemp("fuzz")) as surface:
        yield surface


@pytest.fixture(scope="module")
def surface(tmp_path_factory):
    with _surface(tmp_path_factory.mktemp("checks")) as surface:
        yield surface


def _routes(client: TestClient, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every (method, path) of the app, path parameters filled with ids that exist."""
    routes = []
    for route in client.app.routes:
        path = re.sub(r"\{(\w+):\w+\}", lambda m: ids.get(m[1], str(uuid.uuid4()) if "id" in m[1] else "x"), route.path)
        routes += [(method, path) for method in sorted(route.methods) if method not in ("HEAD", "OPTIONS")]
    return routes


def _raw(text: str) -> bytes:
    """Lone surrogates become the invalid UTF-8 a hostile client can send."""
    return text.encode("utf-8", "surrogatepass")


def _nested(depth: int) -> bytes:
    return b'{"body":' * depth + b"1" + b"}" * depth


numbers = st.one_of(st.sampled_from(BIG), st.integers(), st.integers(min_value=2**63 - 5, max_value=2**70))
scalars = st.one_of(numbers, st.text(max_size=20), st.booleans(), st.none(), st.floats(allow_nan=False))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(FIELD_NAMES), inner, max_size=4), max_leaves=8)
bodies = st.one_of(
    st.binary(max_size=300),
    st.integers(min_value=33, max_value=1500).map(_nested),
    st.integers(min_value=33, max_value=1500).map(lambda n: b"[" * n + b"]" * n),
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=6).map(lambda d: json.dumps(d).encode()),
    st.binary(min_size=1, max_size=40).map(lambda junk: b'{"body": "' + junk + b'", "username": "' + junk + b'"}'),
)
content_types = st.sampled_from(["application/json", "application/problem+json", "text/plain", "", "application/json; charset=latin-1"])
queries = st.dictionaries(st.sampled_from(QUERY_NAMES), st.one_of(numbers.map(str), st.text(max_size=30)), max_size=3)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data(), body=bodies, query=queries, signed_in=st.booleans(), content_type=content_types,
       key=st.none() | st.text(st.characters(blacklist_characters="\r\n\x00"), max_size=140).map(_raw))
def test_no_route_answers_5xx_for_any_bytes(fuzzed, data, body, query, signed_in, content_type, key):
    client, ann, routes = fuzzed
    method, path = data.draw(st.sampled_from(routes))
    headers = {"content-type": content_type, **(ann.headers if signed_in else {})}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = client.request(method, path, params=query, content=body if method != "GET" else None, headers=headers)
    assert response.status_code < 500, (method, path, query, body[:200], response.text)
    if response.status_code >= 400 and not path.startswith("/schema"):
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["detail"]


@pytest.mark.parametrize("name", ["before", "after", "min_position"])
@pytest.mark.parametrize("value", [2**63, 2**64, 10**20])
def test_positions_past_64_bits_in_a_query_are_422_naming_the_parameter(surface, name, value):
    client, ann, routes = surface
    room = next(path for method, path in routes if path.endswith("/messages") and method == "GET")
    response = ann.get(room, params={name: str(value)})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [name]


@pytest.mark.parametrize("cursor", ["9223372036854775808", "99999999999999999999", "18446744073709551616"])
def test_the_notifications_cursor_past_64_bits_is_422(surface, cursor):
    _, ann, _ = surface
    response = ann.get("/api/notifications", params={"cursor": cursor})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


def test_the_largest_position_is_still_a_cursor(surface):
    _, ann, _ = surface
    assert ann.get("/api/notifications", params={"cursor": str(2**63 - 1)}).status_code == 200


@pytest.mark.parametrize("value", [2**63, 2**64])
def test_a_position_past_64_bits_in_a_body_is_422_naming_the_field(surface, value):
    _, ann, routes = surface
    read = next(path for method, path in routes if path.endswith("/messages/read"))
    response = ann.post(read, content=f'{{"up_to_position": {value}}}', headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["up_to_position"]


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/login", "MESSAGES"])
def test_a_body_that_is_not_utf8_is_400_saying_so(surface, path):
    _, ann, routes = surface
    path = next(p for m, p in routes if p.endswith("/messages") and m == "POST") if path == "MESSAGES" else path
    response = ann.post(path, content=b'{"username": "\xff\xfe", "body": "\xc3"}',
                        headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize("body", [_nested(1000), b"[" * 1000 + b"]" * 1000])
def test_json_nested_a_thousand_deep_in_2kb_is_400_saying_so(surface, body):
    _, ann, routes = surface
    for path in ["/api/auth/register", next(p for m, p in routes if p.endswith("/messages") and m == "POST")]:
        response = ann.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, response.text
        assert "nested" in response.json()["detail"]


def test_brackets_inside_strings_do_not_count_as_nesting(surface):
    _, ann, routes = surface
    send = next(p for m, p in routes if p.endswith("/messages") and m == "POST")
    assert ann.post(send, json={"body": "[[[{{{" * 40}).status_code == 201


def test_nesting_is_allowed_up_to_the_limit_and_refused_past_it(surface):
    from hubbub.adapters.http.bodies import MAX_JSON_DEPTH

    _, ann, _ = surface
    at_limit, past_it = _nested(MAX_JSON_DEPTH), _nested(MAX_JSON_DEPTH + 1)
    headers = {"content-type": "application/json"}
    assert ann.post("/api/auth/login", content=at_limit, headers=headers).status_code == 422  # read, then invalid
    assert ann.post("/api/auth/login", content=past_it, headers=headers).status_code == 400


def test_a_chunked_body_past_the_limit_is_413(surface):
    from hubbub.adapters.http.bodies import MAX_BODY_BYTES

    client, _, _ = surface
    chunks = iter([b'{"username": "' + b"a" * MAX_BODY_BYTES, b'"}'])
    response = client.post("/api/auth/login", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
