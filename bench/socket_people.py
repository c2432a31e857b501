"""Users and rooms for the socket benches, made over hubbub's HTTP API like any client would."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from socket_servers import BenchError

PASSWORD = "bench password"
MEMBERS_PER_CHANGE = 100  # the most members one room change may add


@dataclass(frozen=True)
class Person:
    user_id: str
    username: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def sign_in(base: str, count: int, prefix: str, concurrency: int = 8) -> list[Person]:
    """`count` new users, each registered and logged in once."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        async def one(n: int) -> Person:
            async with gate:
                return await _sign_in_one(http, f"{prefix}{n}")
        return list(await asyncio.gather(*(one(n) for n in range(count))))


async def _sign_in_one(http: httpx.AsyncClient, username: str) -> Person:
    credentials = {"username": username, "password": PASSWORD}
    registered = _checked(await http.post("/api/auth/register", json=credentials), 201)
    tokens = _checked(await http.post("/api/auth/login", json={**credentials, "device_name": "bench"}), 200)
    return Person(registered["user_id"], username, tokens["access_token"])


async def room_of(base: str, people: list[Person], name: str) -> str:
    """A group room owned by people[0] with every one of them as a member; its id."""
    owner, others = people[0], [person.user_id for person in people[1:]]
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=owner.auth) as http:
        first = others[:MEMBERS_PER_CHANGE - 1]
        room = _checked(await http.post("/api/rooms", json={"kind": "group", "name": name, "member_ids": first}), 201)
        for start in range(len(first), len(others), MEMBERS_PER_CHANGE):
            batch = others[start:start + MEMBERS_PER_CHANGE]
            _checked(await http.post(f"/api/rooms/{room['room_id']}/members", json={"user_ids": batch}), 200)
    return room["room_id"]


async def rooms_of(base: str, people: list[Person], size: int, prefix: str, concurrency: int = 8) -> list[str]:
    """Consecutive groups of `size` people, one room each; room k holds people[k*size:(k+1)*size]."""
    gate = asyncio.Semaphore(concurrency)

    async def one(k: int) -> str:
        async with gate:
            return await room_of(base, people[k * size:(k + 1) * size], f"{prefix}{k}")

    return list(await asyncio.gather(*(one(k) for k in range(len(people) // size))))


def _checked(response: httpx.Response, status: int) -> dict:
    if response.status_code != status:
        raise BenchError(f"{response.request.method} {response.request.url.path} answered "
                         f"{response.status_code}: {response.text[:300]}")
    return response.json()
