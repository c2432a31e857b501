"""A real `hubbub serve` under contention: waiting queries hold no thread that other users need,
and commands racing on one record across worker processes are retried until they succeed."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time

import httpx

from hubbub.adapters.ratelimit.policy import TIERS
from tests.e2e.test_serve_smoke import serving

GENEROUS = {f"HUBBUB_RATE_LIMIT_{tier.upper()}": "100000/1m" for tier in TIERS}
PASSWORD = "long enough pw"
WAITERS = 150


def signed_in(http: httpx.Client, username: str) -> dict[str, str]:
    assert http.post("/api/auth/register", json={"username": username, "password": PASSWORD}).status_code == 201
    token = http.post("/api/auth/login", json={"username": username, "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def timed(call) -> float:
    started = time.perf_counter()
    response = call()
    assert response.status_code < 300, response.text
    return time.perf_counter() - started


def latencies(http: httpx.Client, auth: dict, count: int = 5) -> list[float]:
    """Another user's command and plain query, as they would make them."""
    creates = [timed(lambda: http.post("/api/rooms", json={"kind": "group", "name": "x"}, headers=auth))
               for _ in range(count)]
    lists = [timed(lambda: http.get("/api/rooms", headers=auth)) for _ in range(count)]
    return creates + lists


def test_queries_waiting_for_a_position_hold_no_thread_another_user_needs(tmp_path):
    with serving(tmp_path, HUBBUB_READ_WAIT_TIMEOUT_S="6", **GENEROUS) as (base, _process, _log):
        with httpx.Client(base_url=base, timeout=30) as http:
            waiter, other = signed_in(http, "waiter"), signed_in(http, "other")
            latencies(http, other)  # warm up: sessions known, connections open
            baseline = statistics.median(latencies(http, other))

            answers: list[int] = []
            in_flight = threading.Thread(target=lambda: answers.extend(asyncio.run(_wait_far_ahead(base, waiter))))
            in_flight.start()
            time.sleep(1.0)  # the waits are parked by now
            loaded = latencies(http, other)
            in_flight.join(30)

    assert answers == [409] * WAITERS  # every wait was still in flight when timed out, as it should be
    bound = max(20 * baseline, 1.0)  # generous: the machine is shared; a held thread costs seconds
    assert max(loaded) < bound, f"baseline {baseline:.3f} s, under {WAITERS} waits up to {max(loaded):.3f} s"


async def _wait_far_ahead(base: str, auth: dict) -> list[int]:
    limits = httpx.Limits(max_connections=WAITERS + 10)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        responses = await asyncio.gather(*(
            http.get("/api/rooms", params={"min_position": 999_999_999_999}, headers=auth) for _ in range(WAITERS)
        ))
    return [response.status_code for response in responses]


def test_workers_retry_conflicts_on_one_record_until_every_command_succeeds(tmp_path):
    from tests.backends import postgres_url
    from tests.services import require_redis

    redis_url = require_redis()
    with postgres_url() as url, serving(tmp_path, "--workers", "2", HUBBUB_EVENT_STORE_URL=url,
                                        HUBBUB_REDIS_URL=redis_url, **GENEROUS) as (base, _process, _log):
        with httpx.Client(base_url=base, timeout=30) as http:
            people = [signed_in(http, f"user{n}") for n in range(50)]
            owner = people[0]
            user_ids = [http.get("/api/auth/me", headers=auth).json()["user_id"] for auth in people]
            room = http.post("/api/rooms", json={"kind": "channel", "name": "hot", "member_ids": user_ids[1:]},
                             headers=owner).json()["room_id"]
            message = http.post(f"/api/rooms/{room}/messages", json={"body": "react"}, headers=owner).json()
        statuses = asyncio.run(_react_at_once(base, room, message["message_id"], people))
        assert statuses == [200] * len(people)
        with httpx.Client(base_url=base, timeout=30) as http:
            last = http.post(f"/api/rooms/{room}/messages/{message['message_id']}/reactions",
                             json={"emoji": "👍"}, headers=owner).json()
        assert sorted(last["reactions"]["👍"]) == sorted(user_ids)


async def _react_at_once(base: str, room: str, message_id: str, people: list[dict]) -> list[int]:
    # A client each: new connections, which the kernel spreads over both workers.
    async def react(auth: dict) -> int:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            response = await http.post(f"/api/rooms/{room}/messages/{message_id}/reactions",
                                       json={"emoji": "👍"}, headers=auth)
            return response.status_code

    return list(await asyncio.gather(*(react(auth) for auth in people)))
