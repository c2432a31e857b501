"""A real `hubbub serve` against slow sockets: it keeps answering others, and cuts off a client
that trickles its request line, headers or body within the timeout (HUBBUB_HEADER_TIMEOUT_S,
HUBBUB_BODY_TIMEOUT_S), answering 408 problem+json when it can."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.test_serve_smoke import serving

TIMEOUT_S = 1.0
SLACK_S = 4.0  # the machine is shared and loaded: generous
SLOW_SOCKETS = 100


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"HUBBUB_HEADER_TIMEOUT_S": str(TIMEOUT_S), "HUBBUB_BODY_TIMEOUT_S": str(TIMEOUT_S),
           "HUBBUB_PROJECTIONS": "off"}
    with serving(tmp_path_factory.mktemp("slow"), **env) as (base, _, _):
        yield base


def connect(base: str) -> socket.socket:
    url = urlparse(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=TIMEOUT_S + SLACK_S)
    return sock


def trickle_until_closed(sock: socket.socket, data: bytes, every_s: float = 0.1) -> tuple[float, bytes]:
    """Send one byte at a time until the server closes; (seconds it took, what it answered)."""
    started, answer = time.monotonic(), b""
    sock.setblocking(False)
    for byte in data:
        try:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        except BlockingIOError:
            pass
        except ConnectionError:
            break
        try:
            sock.send(bytes([byte]))
        except (BrokenPipeError, ConnectionError):
            break
        time.sleep(every_s)
    sock.setblocking(True)
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (ConnectionError, TimeoutError):
        pass
    return time.monotonic() - started, answer


def test_a_silent_connection_is_closed_within_the_header_timeout(server):
    with connect(server) as sock:
        started = time.monotonic()
        answer = sock.recv(65536) + sock.recv(65536)
        took = time.monotonic() - started
    assert TIMEOUT_S - 0.2 <= took <= TIMEOUT_S + SLACK_S
    assert answer.startswith(b"HTTP/1.1 408") and b"application/problem+json" in answer


def test_trickled_headers_are_cut_off_while_others_are_answered(server):
    request = b"GET /health HTTP/1.1\r\nHost: hubbub\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    results: list[tuple[float, bytes]] = []

    def slow_client() -> None:
        with connect(server) as sock:
            results.append(trickle_until_closed(sock, request))

    threads = [threading.Thread(target=slow_client) for _ in range(SLOW_SOCKETS)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    with httpx.Client(base_url=server, timeout=TIMEOUT_S + SLACK_S) as http:
        answered = [http.get("/health").status_code for _ in range(10)]  # meanwhile, someone else
    for thread in threads:
        thread.join(timeout=30)

    assert answered == [200] * 10
    assert len(results) == SLOW_SOCKETS
    assert all(took <= TIMEOUT_S + SLACK_S for took, _ in results), [took for took, _ in results]
    assert all(answer.startswith(b"HTTP/1.1 408") for _, answer in results)


def test_a_trickled_body_is_cut_off_within_the_body_timeout(server):
    body = b'{"username": "someone", "password": "' + b"x" * 100 + b'"}'
    head = (b"POST /api/auth/login HTTP/1.1\r\nHost: hubbub\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n")
    with connect(server) as sock:
        sock.sendall(head)
        took, answer = trickle_until_closed(sock, body)
    assert took <= TIMEOUT_S + SLACK_S
    assert answer.startswith(b"HTTP/1.1 408") and b"body" in answer


def test_a_whole_request_on_a_kept_alive_connection_is_not_cut(server):
    with httpx.Client(base_url=server, timeout=10) as http:
        first = http.post("/api/auth/login", json={"username": "someone", "password": "wrong password"})
        time.sleep(TIMEOUT_S + 0.5)  # idle past the header timeout, within uvicorn's keep-alive
        second = http.get("/health")
    assert first.status_code == 401 and second.status_code == 200
