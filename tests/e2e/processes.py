"""Real `hubbub serve` processes (and a Redis of a test's own) for the several-process socket tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hubbub.adapters.ratelimit.policy import TIERS
from tests.e2e.test_serve_smoke import _wait_until_up, free_port, hubbub_command
from tests.polling import wait_until

GENEROUS = {f"HUBBUB_RATE_LIMIT_{tier.upper()}": "100000/1m" for tier in TIERS}
# The embedded default: no Redis, no broker, the background host in a child process.
EMBEDDED = {"HUBBUB_REDIS_URL": "", "HUBBUB_DELIVERY_BROKER_URL": "", "HUBBUB_PROJECTIONS": "process"}


class Served:
    def __init__(self, base: str, process: subprocess.Popen, log: Path):
        self.base, self.process, self.log = base, process, log

    def kill(self) -> None:
        """SIGKILL the server and every process it started (its projection process, its workers)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def hubbub_serving(data_dir: Path, name: str, *options: str, **env: str) -> Iterator[Served]:
    port = free_port()
    environ = {**os.environ, "HUBBUB_DATA_DIR": str(data_dir), "HUBBUB_ENV_FILE": "",
               "HUBBUB_PASSWORD_TIME_COST": "1", "HUBBUB_PASSWORD_MEMORY_COST_KIB": "1024", **GENEROUS, **env}
    log_path = data_dir / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([*hubbub_command(), "serve", "--port", str(port), *options], env=environ,
                                   stdout=log, stderr=log, start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_up(served.base, process)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                served.kill()


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may kill and restart."""

    def __init__(self, binary: str):
        self.binary, self.port = binary, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, timeout=10, every=0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def private_redis(binary: str) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(binary)
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()
