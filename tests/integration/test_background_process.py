"""The background host in a child process (HUBBUB_PROJECTIONS=process) on a SQLite log:
read-your-writes across processes, states shared through the lease's record, restarts after a
crash, no orphan after shutdown or after the parent dies, a standby taking over."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from litestar.testing import TestClient

from hubbub.adapters.http.app import create_app
from hubbub.adapters.settings import settings_env
from hubbub.projections.registry import PROJECTORS
from tests.e2e.conftest import e2e_settings
from tests.e2e.people import People

ROOT = Path(__file__).resolve().parents[2]


OPERATOR_TOKEN = "operator-token-for-tests"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture
def settings(tmp_path):
    return e2e_settings(tmp_path, metrics_token=OPERATOR_TOKEN, event_store_url=f"sqlite:///{tmp_path / 'events.sqlite3'}", projections="process",
                        read_wait_timeout_s=5.0, shutdown_timeout_s=5.0)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as client:
        yield client


def child_of(client):
    return client.app.state.runtime.read_models.progress.runner


def send(caller, body: str) -> tuple[str, int]:
    room = caller.post("/api/rooms", json={"kind": "group", "name": "general"}).json()["room_id"]
    response = caller.post(f"/api/rooms/{room}/messages", json={"body": body})
    assert response.status_code == 201, response.text
    return room, response.json()["position"]


def bodies(caller, room: str, position: int) -> list[str]:
    response = caller.get(f"/api/rooms/{room}/messages", params={"min_position": position})
    assert response.status_code == 200, response.text
    return [m["body"] for m in response.json()["items"]]


def until(condition, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_query_reads_a_write_the_child_process_projected(client):
    ann = People(client).signed_in("ann")
    room, position = send(ann, "across processes")
    assert bodies(ann, room, position) == ["across processes"]
    assert child_of(client).pid != os.getpid() and child_of(client).is_alive()
    until(lambda: client.get("/ready").status_code == 200)  # the next heartbeat says it caught up
    lags = [line for line in client.get("/metrics", headers=OPERATOR).text.splitlines() if line.startswith("hubbub_projection_lag_events{")]
    # Every projector, and the digest engine: the child holds the lease, so it runs that too.
    assert len(lags) == len(PROJECTORS) + 1 and all(line.endswith(" 0.0") for line in lags), lags
    assert any('projection="digests"' in line for line in lags)


def states(client) -> dict[str, tuple[str, str | None]]:
    projections = client.app.state.runtime.read_models.health()["projections"]
    return {name: (p["state"], p["error"]) for name, p in projections.items()}


def test_a_projector_failing_in_the_child_is_reported_with_its_error_then_recovers(client, settings):
    ann = People(client).signed_in("ann")
    send(ann, "before")
    until(lambda: {state for state, _ in states(client).values()} == {"running"})  # heard from the child
    analytics = sqlite3.connect(Path(settings.data_dir) / "readmodels" / "analytics.v1.sqlite3", timeout=10)
    analytics.execute('ALTER TABLE "totals" RENAME TO "totals_away"')  # the projector's next write fails
    try:
        send(ann, "while analytics is broken")
        until(lambda: states(client)["analytics"][0] == "retrying")
        state, error = states(client)["analytics"]
        assert "totals" in error and "OperationalError" in error
        assert {s for name, (s, _) in states(client).items() if name != "analytics"} == {"running"}
        ready = client.get("/ready", headers=OPERATOR).json()["checks"]["read_store"]
        assert ready["status"] == "ok" and ready["lag"]["analytics"] > 0  # degraded, not down: the others serve
        assert ready["projections"]["analytics"]["state"] == "retrying" and "totals" in ready["projections"]["analytics"]["error"]
        public = client.get("/ready").json()["checks"]["read_store"]["projections"]["analytics"]
        assert public["state"] == "retrying" and "totals" not in public["error"] and "hidden" in public["error"]
    finally:
        analytics.execute('ALTER TABLE "totals_away" RENAME TO "totals"')
        analytics.close()
    until(lambda: states(client)["analytics"] == ("running", None))
    until(lambda: set(client.get("/ready").json()["checks"]["read_store"]["lag"].values()) == {0})


def test_a_hung_child_is_reported_stopped_until_it_answers_again(client):
    child = child_of(client)
    until(lambda: {state for state, _ in states(client).values()} == {"running"})
    client.app.state.runtime.read_models.progress.silent_s = 1.0
    os.kill(child.pid, signal.SIGSTOP)  # alive, but answering nothing
    try:
        until(lambda: client.get("/ready").status_code == 503)
        state, error = states(client)["timeline"]
        assert state == "stopped" and "has not reported" in error
        assert child.is_alive()
    finally:
        os.kill(child.pid, signal.SIGCONT)
    until(lambda: client.get("/ready").status_code == 200)


def test_a_killed_child_is_reported_then_restarted(client):
    ann = People(client).signed_in("ann")
    child = child_of(client)
    killed = child.pid
    os.kill(killed, signal.SIGKILL)
    until(lambda: client.get("/ready").status_code == 503)
    assert client.get("/ready").json()["checks"]["read_store"]["status"] == "fail"
    until(lambda: child.pid != killed and child.is_alive())
    room, position = send(ann, "after the restart")
    assert bodies(ann, room, position) == ["after the restart"]
    until(lambda: client.get("/ready").status_code == 200)


def test_shutting_the_app_down_stops_the_child(settings):
    with TestClient(create_app(settings)) as client:
        ann = People(client).signed_in("ann")
        room, position = send(ann, "before the shutdown")
        assert bodies(ann, room, position) == ["before the shutdown"]  # the child is up and projecting
        child = child_of(client)
        pid = child.pid
    assert not exists(pid)
    assert child._process.returncode == 0  # it stopped on SIGTERM, cleanly, not killed


def test_the_background_host_exits_by_itself_when_its_parent_is_gone(settings, tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    env = {**os.environ, **settings_env(settings), "HUBBUB_ENV_FILE": ""}
    command = [sys.executable, "-m", "hubbub.adapters.cli", "projections", "run", "--parent-pid", str(parent.pid)]
    host = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        for line in host.stderr:  # JSON log lines
            if "background: running" in line:
                break
        parent.kill()
        parent.wait()  # reaped: a zombie would still exist for kill(pid, 0)
        assert host.wait(timeout=5) == 0
    finally:
        for process in (parent, host):
            if process.poll() is None:
                process.kill()
                process.wait()


def test_with_projections_off_the_web_process_reads_what_a_separate_host_projects(settings, tmp_path):
    settings = e2e_settings(tmp_path, event_store_url=settings.event_store_url, projections="off",
                            read_wait_timeout_s=0.3)
    env = {**os.environ, **settings_env(settings), "HUBBUB_ENV_FILE": ""}
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").status_code == 503  # nobody holds the lease: nothing projects
        assert {p["state"] for p in client.app.state.runtime.read_models.health()["projections"].values()} == {"stopped"}
        ann = People(client).signed_in("ann")
        room, position = send(ann, "projected elsewhere")
        assert ann.get(f"/api/rooms/{room}/messages", params={"min_position": position}).status_code == 409
        host = subprocess.Popen([sys.executable, "-m", "hubbub.adapters.cli", "projections", "run"], env=env, cwd=ROOT)
        try:
            until(lambda: ann.get(f"/api/rooms/{room}/messages", params={"min_position": position}).status_code == 200)
            assert bodies(ann, room, position) == ["projected elsewhere"]
            until(lambda: client.get("/ready").status_code == 200)  # its states reach this process
            host.send_signal(signal.SIGTERM)
            assert host.wait(timeout=5) == 0
            until(lambda: client.get("/ready").status_code == 503)  # it gave the lease up
        finally:
            if host.poll() is None:
                host.kill()
                host.wait()


def holder(client) -> str | None:
    record = client.app.state.runtime.read_models.read_store.lease().record()
    return record.holder if record is not None and not record.expired else None


def test_a_second_host_on_one_read_store_waits_on_standby_and_takes_over(settings):
    env = {**os.environ, **settings_env(settings), "HUBBUB_ENV_FILE": ""}
    first = subprocess.Popen([sys.executable, "-m", "hubbub.adapters.cli", "projections", "run"], env=env, cwd=ROOT,
                             stderr=subprocess.PIPE, text=True)
    try:
        for line in first.stderr:  # JSON log lines
            if "background: running" in line:
                break
        with TestClient(create_app(settings)) as client:  # its own child finds the lease taken
            child = child_of(client)
            until(lambda: child.is_alive())
            assert f":{first.pid}:" in holder(client)
            until(lambda: client.get("/ready").status_code == 200)  # the first host's states, read by all
            assert f":{first.pid}:" in client.get("/ready").json()["checks"]["read_store"]["background"]["holder"]
            ann = People(client).signed_in("ann")
            room, position = send(ann, "projected by the first host")
            assert bodies(ann, room, position) == ["projected by the first host"]
            first.kill()
            first.wait()
            until(lambda: f":{child.pid}:" in (holder(client) or ""))  # took over
            until(lambda: {state for state, _ in states(client).values()} == {"running"})
            room, position = send(ann, "projected by the stand-in")
            assert bodies(ann, room, position) == ["projected by the stand-in"]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
