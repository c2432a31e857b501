"""A real `hubbub serve` with its projection process: an erasure reaches the read models the
child process keeps, and `hubbub audit verify` run beside it finds the chain intact."""

from __future__ import annotations

import os
import subprocess

import httpx

from tests.e2e.test_serve_smoke import hubbub_command, serving

PASSWORD = "correct horse battery"


def signed_in(http: httpx.Client, name: str) -> dict:
    user = http.post("/api/auth/register", json={"username": name, "password": PASSWORD}).json()
    tokens = http.post("/api/auth/login", json={"username": name, "password": PASSWORD}).json()
    return {"id": user["user_id"], "headers": {"Authorization": f"Bearer {tokens['access_token']}"}}


def hubbub(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUBBUB_DATA_DIR": str(tmp_path), "HUBBUB_ENV_FILE": ""}
    return subprocess.run([*hubbub_command(), *args], env=env, capture_output=True, text=True, timeout=60)


def test_an_erasure_reaches_the_projection_process_and_the_chain_verifies(tmp_path):
    with serving(tmp_path) as (base, _, _), httpx.Client(base_url=base, timeout=10) as http:
        ann, bob, admin = (signed_in(http, name) for name in ("ann", "bob", "root"))
        assert hubbub(tmp_path, "users", "promote", "root").returncode == 0
        room = http.post("/api/rooms", headers=ann["headers"],
                         json={"kind": "group", "name": "r", "member_ids": [bob["id"]]}).json()["room_id"]
        http.post(f"/api/rooms/{room}/messages", headers=ann["headers"], json={"body": "@bob quokka"})
        erased = http.post("/api/audit/erasures", headers=admin["headers"],
                           json={"user_id": ann["id"], "reason": "asked"})
        assert erased.status_code == 202, erased.text
        wait = {"min_position": erased.json()["position"]}
        timeline = http.get(f"/api/rooms/{room}/messages", headers=bob["headers"], params=wait).json()["items"]
        assert [m["body"] for m in timeline] == ["[erased]"]
        found = http.get(f"/api/rooms/{room}/messages/search", headers=bob["headers"], params={**wait, "q": "quokka"})
        assert found.json()["items"] == []
        inbox = http.get("/api/notifications", headers=bob["headers"], params=wait).json()["items"]
        assert [n["preview"] for n in inbox] == ["[erased]"]
        verified = hubbub(tmp_path, "audit", "verify")
        assert verified.returncode == 0, verified.stderr
        assert "positions verified" in verified.stderr
