"""The official JavaScript client (socket.io-client, tests/js/) against a real `hubbub serve`:
people and a room made over HTTP here, the socket checks run by `node --test` there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve_smoke import serving
from tests.polling import wait_until
from tests.services import in_ci

JS = Path(__file__).resolve().parents[1] / "js"
PASSWORD = "correct horse battery"
GENEROUS = {f"HUBBUB_RATE_LIMIT_{tier}": "100000/1m"
            for tier in ("AUTH", "REGISTER", "LOGIN", "LOGIN_IP", "REFRESH", "MESSAGES", "SEARCH", "OTHER")}


def require_js_client() -> str:
    node = shutil.which("node")
    missing = "node is not installed" if node is None else (
        "tests/js/node_modules is missing (run `npm ci` in tests/js)" if not (JS / "node_modules").is_dir() else "")
    if missing and in_ci():
        pytest.fail(f"{missing}, and CI must run the JavaScript client tests (.ci/run installs them)", pytrace=False)
    if missing:
        pytest.skip(missing)
    return node


def test_the_official_javascript_client_connects_sends_receives_and_replays(tmp_path):
    node = require_js_client()
    with serving(tmp_path, **GENEROUS) as (base, _, log_path):
        with httpx.Client(base_url=base, timeout=30) as http:
            # Ready once the log's followers caught up: a socket's first events come from them.
            wait_until(lambda: http.get("/ready").status_code == 200, timeout=60, every=0.1)
            env = _people_and_room(http)
        result = subprocess.run([node, "--test", "--test-reporter=spec", str(JS / "gateway.test.mjs")],
                                cwd=JS, env={**os.environ, "HUBBUB_URL": base, **env},
                                capture_output=True, text=True, timeout=180)
        server_log = log_path.read_text(errors="replace")[-3000:]
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n--- server log (end) ---\n{server_log}"
    counts = dict(re.findall(r"^ℹ (tests|pass|fail|skipped) (\d+)$", result.stdout, re.M))
    assert counts.get("fail") == "0" and counts.get("skipped") == "0", result.stdout
    assert int(counts.get("pass", 0)) == int(counts.get("tests", -1)) >= 12, result.stdout


def _people_and_room(http: httpx.Client) -> dict[str, str]:
    ann, bob, carol, dan = (_signed_in(http, name) for name in ("ann", "bob", "carol", "dan"))
    revoked = _login(http, "bob")
    assert http.post("/api/auth/logout", json={"refresh_token": revoked["refresh_token"]},
                     headers=_bearer(revoked)).status_code == 204
    room = http.post("/api/rooms", json={"kind": "group", "name": "js", "member_ids": [bob["user_id"]]},
                     headers=_bearer(ann))
    assert room.status_code == 201, room.text
    return {
        "HUBBUB_ROOM_ID": room.json()["room_id"], "HUBBUB_ANN_TOKEN": ann["access_token"],
        "HUBBUB_BOB_TOKEN": bob["access_token"], "HUBBUB_REVOKED_TOKEN": revoked["access_token"],
        "HUBBUB_CAROL_TOKEN": carol["access_token"], "HUBBUB_CAROL_REFRESH": carol["refresh_token"],
        "HUBBUB_DAN_TOKEN": dan["access_token"],
    }


def _signed_in(http: httpx.Client, username: str) -> dict[str, str]:
    registered = http.post("/api/auth/register", json={"username": username, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    return {**_login(http, username), "user_id": registered.json()["user_id"]}


def _login(http: httpx.Client, username: str) -> dict[str, str]:
    answer = http.post("/api/auth/login", json={"username": username, "password": PASSWORD, "device_name": "js"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
