"""Tiered limits: small ones from settings, counted per user (or per IP when anonymous)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from hubbub.adapters.http.ratelimit import _subject
from hubbub.adapters.ratelimit.memory import InProcessCounter
from hubbub.adapters.ratelimit.policy import RateError, parse_rate
from hubbub.adapters.settings import SettingsError, load_settings
from tests.e2e.conftest import e2e_settings
from tests.e2e.people import People


@pytest.fixture
def limited(tmp_path):
    settings = e2e_settings(
        tmp_path, rate_limit_auth="4/15m", rate_limit_messages="3/1m", rate_limit_search="2/1m", rate_limit_other="5/15m"
    )
    with TestClient(create_app(settings)) as client:
        yield client


def login(client, password="wrong password"):
    return client.post("/api/auth/login", json={"username": "someone", "password": password})


def test_the_auth_tier_answers_429_with_retry_after_and_ratelimit_headers(limited):
    answers = [login(limited) for _ in range(4)]
    assert [a.status_code for a in answers] == [401] * 4
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["3", "2", "1", "0"]

    refused = login(limited)

    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("too-many-requests")
    assert 0 < int(refused.headers["Retry-After"]) <= 900
    assert refused.headers["RateLimit-Limit"] == "4" and refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Policy"] == "4;w=900"


def test_signed_in_callers_are_counted_each_on_their_own(limited):
    people = People(limited)
    ann, bob = people.register("ann"), people.register("bob")
    ann, bob = people.login(ann), people.login(bob)  # 4 auth requests from one IP: the tier is spent
    assert login(limited).status_code == 429
    for _ in range(5):
        assert ann.get("/api/auth/me").status_code == 200
    assert ann.get("/api/auth/me").status_code == 429
    assert bob.get("/api/auth/me").status_code == 200


def test_tiers_count_separately(limited):
    people = People(limited)
    ann = people.login(people.register("ann"))
    room = ann.post("/api/rooms", json={"kind": "group", "name": "general"}).json()["room_id"]
    sends = [ann.post(f"/api/rooms/{room}/messages", json={"body": f"hi {n}"}) for n in range(4)]
    assert [s.status_code for s in sends] == [201, 201, 201, 429]
    assert sends[-1].headers["RateLimit-Policy"] == "3;w=60"
    # The messages tier is spent; other routes still answer (2 of the 5 "other" requests used so far).
    assert ann.get("/api/auth/me").status_code == 200


def test_operations_routes_are_not_limited(limited):
    assert all(limited.get("/health").status_code == 200 for _ in range(20))


def test_anonymous_callers_are_keyed_by_ip_and_users_by_id():
    assert _subject({"user": None, "client": ("203.0.113.9", 5000)}) == "ip:203.0.113.9"
    user = type("Principal", (), {"user_id": "u-1"})()
    assert _subject({"user": user, "client": ("203.0.113.9", 5000)}) == "user:u-1"


async def test_the_in_process_window_resets_when_it_ends():
    now = [0.0]
    counter = InProcessCounter(clock=lambda: now[0])
    rate = parse_rate("2/1m")
    assert [(await counter.hit("k", rate)).allowed for _ in range(3)] == [True, True, False]
    now[0] = 59.5
    refused = await counter.hit("k", rate)
    assert not refused.allowed and refused.reset_s == 1
    now[0] = 60.0
    assert (await counter.hit("k", rate)).allowed


@pytest.mark.parametrize("text, limit, window", [("10/15m", 10, 900), ("60/1m", 60, 60), ("5/30s", 5, 30), ("7/2h", 7, 7200), ("600/900", 600, 900)])
def test_rates_parse(text, limit, window):
    rate = parse_rate(text)
    assert (rate.limit, rate.window_s) == (limit, window)


@pytest.mark.parametrize("text", ["", "ten/1m", "0/1m", "5/0m", "5/1d"])
def test_bad_rates_are_refused(text):
    with pytest.raises(RateError):
        parse_rate(text)


def test_a_bad_rate_setting_stops_the_process_naming_the_variable():
    with pytest.raises(SettingsError, match="HUBBUB_RATE_LIMIT_AUTH"):
        load_settings({"HUBBUB_RATE_LIMIT_AUTH": "lots"})
