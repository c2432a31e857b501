"""Tiered limits as the contract's table keys them: register per IP, login per username and per
IP, refresh per session, the rest per user (or IP when anonymous)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from hubbub.adapters.ratelimit.memory import InProcessCounter
from hubbub.adapters.ratelimit.policy import RateError, parse_rate
from hubbub.adapters.settings import SettingsError, load_settings
from tests.e2e.conftest import e2e_settings
from tests.e2e.people import PASSWORD, People

LIMITS = dict(rate_limit_register="3/15m", rate_limit_login="4/15m", rate_limit_login_ip="7/15m",
              rate_limit_refresh="3/15m", rate_limit_messages="3/1m", rate_limit_search="2/1m",
              rate_limit_other="5/15m")


@pytest.fixture
def limited(tmp_path):
    with TestClient(create_app(e2e_settings(tmp_path, **LIMITS))) as client:
        yield client


@pytest.fixture
def office(tmp_path):
    """Everyone behind one address, with limits on login and refresh only."""
    limits = dict(rate_limit_login="10/15m", rate_limit_login_ip="12/15m", rate_limit_refresh="3/15m")
    with TestClient(create_app(e2e_settings(tmp_path, **limits))) as client:
        yield client


def login(client, username="someone", password="wrong password", headers=None):
    return client.post("/api/auth/login", json={"username": username, "password": password}, headers=headers or {})


def test_login_answers_429_with_retry_after_and_ratelimit_headers(limited):
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


def test_login_is_limited_per_username_so_the_right_password_is_refused_too(limited):
    for _ in range(4):
        assert login(limited, "victim").status_code == 401
    assert login(limited, "victim").status_code == 429
    assert login(limited, "VICTIM ").status_code == 429  # the name as the account would normalise it
    assert login(limited, "bystander").status_code == 401  # another name from the same address


def test_login_is_limited_more_loosely_per_ip(limited):
    answers = [login(limited, f"guess{n}").status_code for n in range(8)]
    assert answers == [401] * 7 + [429]


def test_an_access_token_does_not_move_the_login_budget(limited):
    people = People(limited)
    ann = people.login(people.register("ann"))
    for _ in range(4):
        assert login(limited, "victim").status_code == 401
    # Attaching a valid token used to switch the count from the IP to ann's own, fresh, budget.
    assert login(limited, "victim", headers=ann.headers).status_code == 429


def test_register_is_limited_per_ip_whoever_is_signed_in(limited):
    people = People(limited)
    ann = people.login(people.register("ann"))
    tries = [limited.post("/api/auth/register", json={"username": f"new{people.tag}x{n}", "password": PASSWORD},
                          headers=ann.headers) for n in range(3)]
    assert [t.status_code for t in tries] == [201, 201, 429]  # the first register above counted too


def test_refresh_is_limited_per_session_so_an_office_behind_one_address_is_not_locked_out(office):
    people = People(office)
    colleagues = [people.login(people.register(f"user{n}")) for n in range(10)]
    for _ in range(3):
        for colleague in colleagues:
            response = office.post("/api/auth/refresh", json={"refresh_token": colleague.refresh_token})
            assert response.status_code == 200, response.text
            colleague.refresh_token = response.json()["refresh_token"]
    assert office.post("/api/auth/refresh", json={"refresh_token": colleagues[0].refresh_token}).status_code == 429
    assert login(office, colleagues[1].username, PASSWORD).status_code == 200


def test_signed_in_callers_are_counted_each_on_their_own(limited):
    people = People(limited)
    ann, bob = people.register("ann"), people.register("bob")
    ann, bob = people.login(ann), people.login(bob)
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
    assert ann.get("/api/auth/me").status_code == 200  # 2 of the 5 "other" requests used so far


def test_operations_routes_are_not_limited(limited):
    assert all(limited.get("/health").status_code == 200 for _ in range(20))


@pytest.mark.parametrize("mode, status", [("open", 401), ("closed", 503)])
def test_unreachable_redis_fails_open_or_closed_as_set(tmp_path, mode, status):
    nobody_listens = "redis://127.0.0.1:1/0"
    with TestClient(create_app(e2e_settings(tmp_path, redis_url=nobody_listens, rate_limit_failure=mode))) as client:
        response = login(client)
    assert response.status_code == status
    if status == 503:
        assert response.json()["type"].endswith("rate-limit-unavailable") and response.headers["Retry-After"]


def test_the_failure_mode_setting_is_checked():
    with pytest.raises(SettingsError, match="HUBBUB_RATE_LIMIT_FAILURE"):
        load_settings({"HUBBUB_RATE_LIMIT_FAILURE": "maybe", "HUBBUB_ENV_FILE": ""})


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


async def test_ended_windows_are_forgotten_a_few_per_hit_not_all_at_once():
    now = [0.0]
    counter = InProcessCounter(clock=lambda: now[0])
    rate = parse_rate("5/1m")
    for n in range(1000):
        await counter.hit(f"old{n}", rate)
    now[0] = 61.0
    await counter.hit("new0", rate)
    assert 990 <= len(counter) < 1000  # one hit forgot a few, not the thousand
    for n in range(1, 400):
        await counter.hit(f"new{n}", rate)
    assert len(counter) == 400  # every ended window gone, while the new ones count on
    assert (await counter.hit("new0", rate)).remaining == 3


async def test_a_reopened_window_is_not_forgotten_by_its_predecessor_s_end():
    now = [0.0]
    counter = InProcessCounter(clock=lambda: now[0])
    rate = parse_rate("3/1m")
    await counter.hit("k", rate)
    now[0] = 61.0
    await counter.hit("k", rate)  # a new window, ending at 121; the old end (60) is still queued
    for n in range(10):
        await counter.hit(f"other{n}", rate)
    assert (await counter.hit("k", rate)).remaining == 1


@pytest.mark.parametrize("text, limit, window", [("10/15m", 10, 900), ("60/1m", 60, 60), ("5/30s", 5, 30), ("7/2h", 7, 7200), ("600/900", 600, 900)])
def test_rates_parse(text, limit, window):
    rate = parse_rate(text)
    assert (rate.limit, rate.window_s) == (limit, window)


@pytest.mark.parametrize("text", ["", "ten/1m", "0/1m", "5/0m", "5/1d"])
def test_bad_rates_are_refused(text):
    with pytest.raises(RateError):
        parse_rate(text)


@pytest.mark.parametrize("tier", ["REGISTER", "LOGIN", "LOGIN_IP", "REFRESH", "MESSAGES", "SEARCH", "OTHER"])
def test_a_bad_rate_setting_stops_the_process_naming_the_variable(tier):
    with pytest.raises(SettingsError, match=f"HUBBUB_RATE_LIMIT_{tier}"):
        load_settings({f"HUBBUB_RATE_LIMIT_{tier}": "lots", "HUBBUB_ENV_FILE": ""})
