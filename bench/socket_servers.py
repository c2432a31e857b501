"""The servers the socket benches measure, each a subprocess on a free loopback port: the floor
(bench/socket_floor.py) and `hubbub serve` (one process, or two sharing a log through Redis).

A hubbub without the Socket.IO gateway stops the bench with a message: no figure is printed
for a server that was not measured.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
GENEROUS = "100000000/1m"
# Every rate-limit tier, by today's setting names and the contract's.
RATE_TIERS = ("AUTH", "REGISTER", "LOGIN", "LOGIN_IP", "REFRESH", "MESSAGES", "SEARCH", "OTHER")
STARTUP_TIMEOUT_S = 60


class BenchError(SystemExit):
    """Stops the bench with a non-zero status and the reason."""

    def __init__(self, message: str):
        super().__init__(f"bench failed: {message}")


@dataclass(frozen=True)
class Served:
    base: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_fd_limit() -> int:
    """Soft limit up to the hard one, for this process and the servers it starts; the new limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def default_hubbub() -> str:
    script = Path(sys.executable).parent / "hubbub"
    return str(script) if script.exists() else "hubbub"


def add_server_options(parser) -> None:
    parser.add_argument("--hubbub", default=default_hubbub(), help="the hubbub command to serve with")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra setting for hubbub serve (repeatable)")


def server_options(args):
    args.server_env = dict(item.split("=", 1) for item in args.server_env)
    return args


def hubbub_env(data_dir: str, extra: dict[str, str]) -> dict[str, str]:
    limits = {f"HUBBUB_RATE_LIMIT_{tier}": GENEROUS for tier in RATE_TIERS}
    return {**os.environ, **limits, "HUBBUB_DATA_DIR": data_dir, "HUBBUB_ENV_FILE": "",
            "HUBBUB_LOG_LEVEL": "WARNING", "HUBBUB_PASSWORD_TIME_COST": "1",
            "HUBBUB_PASSWORD_MEMORY_COST_KIB": "8", "HUBBUB_ACCESS_TOKEN_TTL_S": "7200", **extra}


@contextmanager
def floor() -> Iterator[Served]:
    with floors() as (served,):
        yield served


@contextmanager
def floors(processes: int = 1, redis_url: str = "") -> Iterator[list[Served]]:
    """Floor processes, sharing rooms through Redis (a channel of their own) when there are several."""
    channel = ["--redis-url", redis_url, "--channel", f"bench-floor-{uuid.uuid4()}"] if redis_url else []
    with ExitStack() as stack:
        servers = []
        for _ in range(processes):
            port = free_port()
            command = [sys.executable, str(BENCH / "socket_floor.py"), "--port", str(port), *channel]
            servers.append(stack.enter_context(_process(command, dict(os.environ), f"http://127.0.0.1:{port}",
                                                        "/socket.io/?EIO=4&transport=polling", Path(os.devnull))))
        yield servers


@contextmanager
def hubbub(hubbub_bin: str, data_dir: str, extra_env: dict[str, str], processes: int = 1) -> Iterator[list[Served]]:
    """`processes` separate `hubbub serve`s on the same log, each on its own port, started in turn
    (the first writes the JWT secret the others read)."""
    with ExitStack() as stack:
        servers = []
        for n in range(processes):
            port = free_port()
            log = Path(data_dir) / f"serve-{n}-{port}.log"
            command = [hubbub_bin, "serve", "--port", str(port)]
            served = stack.enter_context(_process(command, hubbub_env(data_dir, extra_env),
                                                  f"http://127.0.0.1:{port}", "/health", log))
            require_gateway(served.base)
            servers.append(served)
        yield servers


@contextmanager
def _process(command: list[str], env: dict[str, str], base: str, probe: str, log: Path) -> Iterator[Served]:
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output, cwd=BENCH.parent)
    try:
        _wait_for(base + probe, process, log)
        yield Served(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{process.args[0]} exited with {process.returncode} at start:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer within {STARTUP_TIMEOUT_S} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.is_file() else ""


def require_gateway(base: str) -> None:
    """An Engine.IO open packet from /socket.io/, or the bench stops saying the gateway is missing."""
    try:
        answer = httpx.get(f"{base}/socket.io/?EIO=4&transport=polling", timeout=5)
    except httpx.TransportError as error:
        raise BenchError(f"{base}/socket.io/ unreachable: {error}") from None
    if answer.status_code != 200 or not answer.text.startswith("0{"):
        raise BenchError(f"{base} has no Socket.IO gateway: GET /socket.io/ answered {answer.status_code} "
                         f"{answer.text[:80]!r}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process and its descendants (hubbub's background host) have
    used so far."""
    stats = _process_stats()
    children: dict[int, list[int]] = {}
    for process, (parent, _) in stats.items():
        children.setdefault(parent, []).append(process)
    family, ticks = [pid], 0
    while family:
        process = family.pop()
        ticks += stats.get(process, (0, 0))[1]
        family += children.get(process, [])
    return ticks / os.sysconf("SC_CLK_TCK")


def _process_stats() -> dict[int, tuple[int, int]]:
    """Every live process: its parent and the CPU ticks it has used."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return stats


def machine_load() -> str:
    """Other processes share the cores: a figure measured on a busy machine says so."""
    return f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def redis_url_or_reason(skip: bool, url: str = "redis://127.0.0.1:6379/0") -> tuple[str, str]:
    """The Redis the two-process runs share, or why they are skipped."""
    if skip:
        return "", "--no-redis"
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as error:
        return "", f"no Redis at {url}: {error}"
    return url, ""
