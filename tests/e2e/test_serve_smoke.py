"""A real `hubbub serve` process: it answers, signs people in, logs JSON, and stops cleanly on SIGTERM,
its projection process (the default, HUBBUB_PROJECTIONS=process) with it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hubbub.adapters.ratelimit.policy import TIERS
from tests.polling import wait_until

STARTUP_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hubbub_command() -> list[str]:
    script = Path(sys.executable).parent / "hubbub"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from hubbub.adapters.cli import main; main()"]


@contextmanager
def serving(tmp_path: Path, *options: str, **env: str) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    port = free_port()
    env = {
        **os.environ, "HUBBUB_DATA_DIR": str(tmp_path), "HUBBUB_ENV_FILE": "",
        "HUBBUB_PASSWORD_TIME_COST": "1", "HUBBUB_PASSWORD_MEMORY_COST_KIB": "1024", **env,
    }
    log = (tmp_path / "server.log").open("w+")
    command = [*hubbub_command(), "serve", "--port", str(port), *options]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base, process, tmp_path / "server.log"
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM first: a SIGKILLed supervisor leaves its workers running (holding connections)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    with serving(tmp_path) as served:
        yield served


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"hubbub serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("hubbub serve did not come up")


def test_serve_answers_signs_in_and_stops_gracefully(server):
    base, process, log_path = server
    with httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/health").json() == {"status": "ok"}
        # Ready once the background host has taken the lease and caught up with the log.
        wait_until(lambda: http.get("/ready").status_code == 200, timeout=STARTUP_TIMEOUT_S, every=0.1)
        assert http.post("/api/auth/register", json={"username": "ann", "password": "long enough pw"}).status_code == 201
        tokens = http.post("/api/auth/login", json={"username": "ann", "password": "long enough pw"}).json()
        me = http.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}", "X-Request-ID": "smoke-1"})
        assert me.status_code == 200 and me.json()["username"] == "ann"

    process.send_signal(signal.SIGTERM)
    # uvicorn finishes its shutdown, then re-raises the signal it caught: exit status -SIGTERM.
    assert process.wait(timeout=20) in (0, -signal.SIGTERM)

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    assert any(line["message"] == "Application shutdown complete." for line in lines)
    children = [int(line["message"].rsplit(" ", 1)[1]) for line in lines
                if line["message"].startswith("background: started process")]
    assert children and not any(_running(pid) for pid in children)  # the projection process stopped too
    assert any(line.get("request_id") == "smoke-1" and line.get("route") == "/api/auth/me" for line in lines)
    assert all("level" in line and "time" in line for line in lines)


def _running(pid: int) -> bool:
    """A zombie (exited, not reaped by whoever adopted it) does not count."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_share_the_port_the_log_and_one_background_host(tmp_path):
    from tests.services import require_redis

    redis_url = require_redis()
    # Redis outlives the test: a window of a second keeps other runs' sign-ins from counting here.
    limits = {f"HUBBUB_RATE_LIMIT_{tier.upper()}": "1000/1s" for tier in TIERS}
    with serving(tmp_path, "--workers", "2", HUBBUB_REDIS_URL=redis_url, **limits) as (base, process, log_path):
        with httpx.Client(base_url=base, timeout=10) as http:
            http.post("/api/auth/register", json={"username": "ann", "password": "long enough pw"})
            token = http.post("/api/auth/login", json={"username": "ann", "password": "long enough pw"}).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            room = http.post("/api/rooms", json={"kind": "channel", "name": "w"}, headers=auth).json()["room_id"]
        sent = [_send_and_read_back(base, auth, room, f"m{n}") for n in range(10)]
        assert sent == [f"m{n}" for n in range(10)]

        first_workers = _started_workers(log_path)
        assert len(first_workers) == 2 and process.pid not in first_workers
        os.kill(first_workers[0], signal.SIGKILL)  # uvicorn's supervisor starts another
        wait_until(lambda: len(_started_workers(log_path)) == 3, timeout=30, every=0.1)
        assert _send_and_read_back(base, auth, room, "after the kill") == "after the kill"

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)

    lines = _log_lines(log_path)
    workers = _started_workers(log_path)
    stopped = {line["pid"] for line in lines if line["message"] == "Application shutdown complete."}
    assert stopped == set(workers[1:])  # all but the one killed stopped gracefully
    assert any(line["message"].startswith("background: standby as") for line in lines)
    children = [int(line["message"].rsplit(" ", 1)[1]) for line in lines
                if line["message"].startswith("background: started process")]
    assert len(children) == 3 and not any(_running(pid) for pid in children + workers)


def _send_and_read_back(base: str, auth: dict, room: str, body: str) -> str:
    """On a new connection each time, so that the kernel spreads them over the workers."""
    with httpx.Client(base_url=base, timeout=10) as http:
        position = http.post(f"/api/rooms/{room}/messages", json={"body": body}, headers=auth).json()["position"]
    with httpx.Client(base_url=base, timeout=10) as http:
        page = http.get(f"/api/rooms/{room}/messages", params={"min_position": position}, headers=auth)
        # Every worker reads the holder's heartbeat: ready once it says its consumers caught up
        # (a beat later than the read, or after a takeover).
        wait_until(lambda: http.get("/ready").status_code == 200, timeout=15, every=0.1)
    return page.json()["items"][-1]["body"]


def _log_lines(log_path: Path) -> list[dict]:
    # endswith: a line still being written by another process is not read half-way.
    lines = log_path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{") and line.endswith("}")]


def _started_workers(log_path: Path) -> list[int]:
    return [line["pid"] for line in _log_lines(log_path) if line["message"] == "Application startup complete."]


def test_several_workers_need_shared_rate_limits(tmp_path):
    env = {**os.environ, "HUBBUB_DATA_DIR": str(tmp_path), "HUBBUB_ENV_FILE": "", "HUBBUB_REDIS_URL": ""}
    refused = subprocess.run([*hubbub_command(), "serve", "--workers", "2"], env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "HUBBUB_REDIS_URL" in refused.stderr
