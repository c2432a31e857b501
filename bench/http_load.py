"""HTTP throughput: POST …/messages per second against a bare Litestar JSON echo endpoint
served the same way (uvicorn, one worker, same log level) in the same run, then GET …/messages
pages per second. Prints requests/s, p50/p99 latency, and the send/echo ratio (target ≥ 0.5).

It also measures hubbub's own HTTP stack around a handler that does nothing (the same
middleware, sign-in, rate limit, body checks, validation of the same body, route shape): the
most the send/echo ratio could be without a cheaper HTTP stack, printed as the stack's ratio.

    .venv/bin/python bench/http_load.py [--duration 10] [--connections 8]

Load comes from wrk (installed with apt-get when missing); without it, from a Python load
generator (httpx), which is slower and says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from hubbub.adapters.ratelimit.policy import TIERS

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.5
MESSAGE = {"body": "a benchmark message for the timeline"}
UNLIMITED = "100000000/1m"


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float

    def line(self, name: str) -> str:
        return f"{name:<28} {self.rps:>9.0f} req/s   p50 {self.p50_ms:>7.2f} ms   p99 {self.p99_ms:>7.2f} ms"


# The echo baseline: the least a Litestar + msgspec JSON endpoint can do.

def echo_app():
    from litestar import Litestar, post

    @post("/echo", sync_to_thread=False, status_code=201)
    def echo(data: dict) -> dict:
        return data

    return Litestar(route_handlers=[echo])


def serve_echo(port: int) -> None:
    import uvicorn

    uvicorn.run(echo_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


# The stack's floor: hubbub's app, a no-op handler added (bench/noop_app.py), served as
# `hubbub serve` serves it.

def serve_noop(port: int) -> None:
    import uvicorn

    from hubbub.adapters.logging import configure_logging
    from hubbub.adapters.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    from noop_app import noop_app

    uvicorn.run(noop_app(), host="127.0.0.1", port=port, log_config=None,
                log_level=settings.log_level.lower(), access_log=False)


# Servers.

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(command: list[str], env: dict[str, str], probe: str) -> Iterator[None]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(probe, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"server did not answer {url}")


def hubbub_env(data_dir: str, event_store_url: str) -> dict[str, str]:
    limits = {f"HUBBUB_RATE_LIMIT_{tier.upper()}": UNLIMITED for tier in TIERS}
    env = {**os.environ, **limits, "HUBBUB_DATA_DIR": data_dir, "HUBBUB_ENV_FILE": "", "HUBBUB_LOG_LEVEL": "WARNING"}
    if event_store_url.startswith("memory"):  # no other process can read it: projectors in the server
        env = {**env, "HUBBUB_PROJECTIONS": "thread"}
    return {**env, "HUBBUB_EVENT_STORE_URL": event_store_url} if event_store_url else env


def signed_in_room(base: str, seed: int = 200) -> tuple[str, dict[str, str]]:
    with httpx.Client(base_url=base, timeout=30) as http:
        http.post("/api/auth/register", json={"username": "bench", "password": "bench password"})
        token = http.post("/api/auth/login", json={"username": "bench", "password": "bench password"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        room = http.post("/api/rooms", json={"kind": "channel", "name": "bench"}, headers=auth).json()["room_id"]
        for n in range(seed):  # a timeline worth paging through
            http.post(f"/api/rooms/{room}/messages", json={"body": f"seed {n}"}, headers=auth)
    return room, auth


# Load generators.

def ensure_wrk() -> str | None:
    if shutil.which("wrk") is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which("wrk")


def wrk(url: str, method: str, headers: dict[str, str], body: dict | None, duration: int, connections: int) -> Result:
    script = _wrk_script(method, {**headers, "Content-Type": "application/json"}, body)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", file.name, url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(file.name)
    return _parse_wrk(output)


def _wrk_script(method: str, headers: dict[str, str], body: dict | None) -> str:
    lines = [f'wrk.method = "{method}"'] + [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = [[{json.dumps(body)}]]")
    return "\n".join(lines) + "\n"


def _parse_wrk(output: str) -> Result:
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if failed:  # a fast error is not a fast answer
        raise SystemExit(f"{failed[1]} requests failed; wrk said:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return Result(rps, _latency_ms(output, "50%"), _latency_ms(output, "99%"))


def _latency_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def python_load(url: str, method: str, headers: dict, body: dict | None, duration: int, connections: int) -> Result:
    return asyncio.run(_python_load(url, method, headers, body, duration, connections))


async def _python_load(url, method, headers, body, duration, connections) -> Result:
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.request(method, url, headers=headers, json=body)
            if response.status_code >= 300:
                raise SystemExit(f"{method} {url} answered {response.status_code}: {response.text}")
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Result(len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000)


# The run.

@dataclass(frozen=True)
class Figures:
    echo: Result
    stack: Result
    sends: Result
    pages: Result


def measure(args: argparse.Namespace, load) -> Figures:
    """The servers up side by side, measured one after the other."""
    hubbub_port, echo_port, noop_port = free_port(), free_port(), free_port()
    hubbub_base, echo_base = f"http://127.0.0.1:{hubbub_port}", f"http://127.0.0.1:{echo_port}"
    noop_base = f"http://127.0.0.1:{noop_port}"
    hubbub = [sys.executable, "-c", "from hubbub.adapters.cli import main; main()", "serve", "--port", str(hubbub_port)]
    bench = [sys.executable, str(ROOT / "bench" / "http_load.py")]
    with tempfile.TemporaryDirectory() as data_dir, tempfile.TemporaryDirectory() as noop_dir:
        env = hubbub_env(data_dir, args.event_store_url)
        noop_env = hubbub_env(noop_dir, "memory://" if args.event_store_url.startswith("memory") else "")
        with (served(hubbub, env, f"{hubbub_base}/health"),
              served([*bench, "--serve-echo", str(echo_port)], dict(os.environ), f"{echo_base}/"),
              served([*bench, "--serve-noop", str(noop_port)], noop_env, f"{noop_base}/health")):
            room, auth = signed_in_room(hubbub_base)
            noop_room, noop_auth = signed_in_room(noop_base, seed=0)
            messages = f"{hubbub_base}/api/rooms/{room}/messages"
            echoed = load(f"{echo_base}/echo", "POST", {}, MESSAGE, args.duration, args.connections)
            stack = load(f"{noop_base}/api/rooms/{noop_room}/noop", "POST", noop_auth, MESSAGE,
                         args.duration, args.connections)
            sent = load(messages, "POST", auth, MESSAGE, args.duration, args.connections)
            caught_up_s = wait_for_read_models(messages, auth)
            print(f"read models caught up with the sends {caught_up_s:.1f} s after the last one")
            pages = load(messages, "GET", auth, None, args.duration, args.connections)
    return Figures(echoed, stack, sent, pages)


def wait_for_read_models(messages: str, auth: dict[str, str]) -> float:
    """Seconds until a page reflects every send: pages are measured alone, not against a
    projection process still folding the sends' backlog."""
    started = time.monotonic()
    with httpx.Client(timeout=30) as http:
        position = http.post(messages, json=MESSAGE, headers=auth).json()["position"]
        while http.get(messages, params={"min_position": position}, headers=auth).status_code == 409:
            pass  # each try waits up to HUBBUB_READ_WAIT_TIMEOUT_S
    return time.monotonic() - started


def free_stack_bound(figures: Figures) -> float:
    """The send/echo ratio if hubbub's HTTP stack cost no more than the echo: the time a send
    takes beyond the no-op route, added to the echo's own time per request."""
    command_s = max(0.0, 1 / figures.sends.rps - 1 / figures.stack.rps)
    return (1 / figures.echo.rps) / (1 / figures.echo.rps + command_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--event-store-url", default="", help="default: the embedded SQLite store; memory:// for none")
    parser.add_argument("--serve-echo", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-noop", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        serve_echo(args.serve_echo)
        return 0
    if args.serve_noop:
        sys.path.insert(0, str(ROOT))
        serve_noop(args.serve_noop)
        return 0
    load = wrk if ensure_wrk() else python_load
    print(f"load generator: {'wrk' if load is wrk else 'python (httpx): wrk unavailable, figures are lower'}; "
          f"event store: {args.event_store_url or 'embedded SQLite'}; {args.connections} connections")
    figures = measure(args, load)
    ratio = figures.sends.rps / figures.echo.rps
    print(figures.echo.line("echo POST /echo"))
    print(figures.stack.line("hubbub stack, no-op handler"))
    print(figures.sends.line("POST …/messages"))
    print(figures.pages.line("GET …/messages (50/page)"))
    print(f"stack/echo ratio {figures.stack.rps / figures.echo.rps:.2f}   (the most send/echo can be on this stack)")
    print(f"send/stack ratio {figures.sends.rps / figures.stack.rps:.2f}   (what the command costs on top of it)")
    print(f"send/echo ratio {ratio:.2f}   target ≥ {TARGET}   {'ok' if ratio >= TARGET else 'BELOW TARGET'}")
    print(f"send/echo with a free stack ≤ {free_stack_bound(figures):.2f}   "
          "(the command's own cost on top of the echo's: what a stack as thin as the echo would reach)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
