"""The bench scripts keep working: a benchmark that rots silently reports nothing true."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.e2e.conftest import e2e_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import http_load  # noqa: E402
import noop_app  # noqa: E402
import write_floor  # noqa: E402

WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:1/x
  Latency Distribution
     50%  600.00us
     75%    1.10ms
     90%    2.00ms
     99%    1.50s
Requests/sec:  11529.42
"""


def test_wrk_figures_are_read_in_milliseconds():
    result = http_load._parse_wrk(WRK_OUTPUT)
    assert (result.rps, result.p50_ms, result.p99_ms) == (11529.42, 0.6, 1500.0)


def test_wrk_output_with_failed_requests_is_refused():
    with pytest.raises(SystemExit, match="3 requests failed"):
        http_load._parse_wrk(WRK_OUTPUT + "  Non-2xx or 3xx responses: 3\n")


@pytest.mark.parametrize("mode", ["thread", "batched"])
def test_the_floor_endpoints_store_every_body_before_answering(tmp_path, mode):
    path = str(tmp_path / f"{mode}.db")
    with TestClient(write_floor.floor_app(mode, path)) as client:
        for n in range(5):
            response = client.post("/write", json={"body": f"row {n}"})
            assert response.status_code == 201 and response.json() == {"body": f"row {n}"}
            with sqlite3.connect(path) as db:  # another connection: committed, not just written
                assert db.execute("SELECT count(*) FROM rows").fetchone()[0] == n + 1


def test_the_event_sourcing_cost_of_a_send_is_measured():
    assert write_floor.event_sourcing_cpu_us(count=50) > 0


def test_the_stack_floor_checks_what_a_send_checks_and_does_nothing_else(tmp_path):
    with TestClient(noop_app.noop_app(e2e_settings(tmp_path))) as client:
        body = {"body": "hello"}
        room = "00000000-0000-4000-8000-000000000000"
        assert client.post(f"/api/rooms/{room}/noop", json=body).status_code == 401
        client.post("/api/auth/register", json={"username": "bench", "password": "bench password"})
        token = client.post("/api/auth/login", json={"username": "bench", "password": "bench password"}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        head = client.app.state.runtime.services.app.head()
        answer = client.post(f"/api/rooms/{room}/noop", json=body, headers=auth)
        assert (answer.status_code, answer.json()["body"]) == (201, "hello")
        assert client.post(f"/api/rooms/{room}/noop", json={"body": ""}, headers=auth).status_code == 422
        assert "ratelimit-limit" in answer.headers and "x-request-id" in answer.headers
        assert client.app.state.runtime.services.app.head() == head  # nothing appended


def test_the_free_stack_bound_adds_the_commands_own_time_to_the_echos():
    result = lambda rps: http_load.Result(rps, 1.0, 2.0)  # noqa: E731
    # echo 100 µs, no-op 200 µs, send 500 µs: the command's own 300 µs on top of 100 µs.
    figures = http_load.Figures(result(10_000), result(5_000), result(2_000), result(1_000))
    assert http_load.free_stack_bound(figures) == pytest.approx(0.25)
    # A send no dearer than the no-op: the bound is the echo itself.
    figures = http_load.Figures(result(10_000), result(5_000), result(6_000), result(1_000))
    assert http_load.free_stack_bound(figures) == 1.0


def test_the_rate_limit_key_bench_fills_and_drains_the_counter(capsys):
    import asyncio

    import ratelimit_keys

    asyncio.run(ratelimit_keys.run(total=3_000, batch=500))
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split()[:2] == ["live", "keys"] and "windows ended" in rows[-4]
    live = [int(row.split()[0].replace(",", "")) for row in rows[-3:]]
    assert live[0] < 3_000 and live[-1] == 1_500  # the 3,000 ended windows drained; the 1,500 new ones live
