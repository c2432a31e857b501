"""X-Forwarded-For against a real `hubbub serve`: believed only from HUBBUB_TRUSTED_PROXIES, even
when uvicorn's own FORWARDED_ALLOW_IPS would trust everyone."""

from __future__ import annotations

import httpx

from tests.e2e.people import PASSWORD
from tests.e2e.test_serve_smoke import serving


def test_rotating_x_forwarded_for_does_not_reset_a_guesser_s_budget(tmp_path):
    env = {"HUBBUB_PROJECTIONS": "off", "FORWARDED_ALLOW_IPS": "*"}  # the login tier keeps its default, 10/15m
    with serving(tmp_path, **env) as (base, _, _), httpx.Client(base_url=base, timeout=30) as http:
        assert http.post("/api/auth/register", json={"username": "victim", "password": PASSWORD}).status_code == 201
        answers = [
            http.post("/api/auth/login", json={"username": "victim", "password": f"guess {n}"},
                      headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(12)
        ]
        right = http.post("/api/auth/login", json={"username": "victim", "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.77"})
    assert answers == [401] * 10 + [429] * 2
    assert right.status_code == 429


def test_a_trusted_proxy_s_x_forwarded_for_names_the_client(tmp_path):
    env = {"HUBBUB_PROJECTIONS": "off", "HUBBUB_TRUSTED_PROXIES": "127.0.0.1", "HUBBUB_RATE_LIMIT_REGISTER": "2/15m"}
    with serving(tmp_path, **env) as (base, _, _), httpx.Client(base_url=base, timeout=30) as http:
        def register(name: str, address: str) -> int:
            body = {"username": name, "password": PASSWORD}
            return http.post("/api/auth/register", json=body, headers={"X-Forwarded-For": address}).status_code

        behind_one = [register(f"one{n}", "198.51.100.1") for n in range(3)]
        behind_another = register("two0", "198.51.100.2")
    assert behind_one == [201, 201, 429]
    assert behind_another == 201


def test_an_untrusted_x_forwarded_for_does_not_move_the_per_ip_budget_whatever_uvicorn_trusts(tmp_path):
    env = {"HUBBUB_PROJECTIONS": "off", "FORWARDED_ALLOW_IPS": "*", "HUBBUB_RATE_LIMIT_REGISTER": "2/15m"}
    with serving(tmp_path, **env) as (base, _, _), httpx.Client(base_url=base, timeout=30) as http:
        answers = [
            http.post("/api/auth/register", json={"username": f"new{n}", "password": PASSWORD},
                      headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(3)
        ]
    assert answers == [201, 201, 429]
