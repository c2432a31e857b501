"""Signed-in callers for e2e tests: register, log in, and send requests as someone."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from litestar.testing import TestClient

from hubbub.application.context import CommandContext
from tests.commanding import Do

PASSWORD = "correct horse battery"
_tags = itertools.count(1)


@dataclass
class Caller:
    client: TestClient
    username: str
    user_id: str = ""
    access_token: str = ""
    refresh_token: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}
        return {**auth, **self.extra_headers}

    def request(self, method: str, path: str, **kwargs: Any):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any):
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)


class People:
    """Each test's people get names of their own ("ann17"), so tests can share one app."""

    def __init__(self, client: TestClient):
        self.client = client
        self.tag = next(_tags)

    def name(self, base: str) -> str:
        return f"{base}{self.tag}"

    def register(self, base: str) -> Caller:
        username = self.name(base)
        response = self.client.post("/api/auth/register", json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.text
        return Caller(self.client, username, user_id=response.json()["user_id"])

    def login(self, caller: Caller, device: str | None = None) -> Caller:
        body = {"username": caller.username, "password": PASSWORD, "device_name": device}
        response = self.client.post("/api/auth/login", json=body)
        assert response.status_code == 200, response.text
        tokens = response.json()
        return Caller(self.client, caller.username, caller.user_id, tokens["access_token"], tokens["refresh_token"])

    def signed_in(self, username: str) -> Caller:
        return self.login(self.register(username))

    def anonymous(self) -> Caller:
        return Caller(self.client, "anonymous")

    def promote(self, caller: Caller) -> None:
        services = self.client.app.state.runtime.services
        Do(services).promote(CommandContext.system(), caller.username)
