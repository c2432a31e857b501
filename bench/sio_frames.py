"""Engine.IO v4 / Socket.IO v5 text frames over a websocket, and the figures the benches print.

One websocket text frame carries one Engine.IO packet: a type digit, then its data. A Socket.IO
packet rides in an Engine.IO "message" (4): a type digit, an optional "/namespace,", an optional
ack id, then JSON. Only the default namespace and text (non-binary) packets are spoken here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import msgspec

# Engine.IO packet types.
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "1", "2", "3", "4"
# Socket.IO packet types.
SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT, SIO_ACK, SIO_CONNECT_ERROR = "0", "1", "2", "3", "4"

PONG = EIO_PONG
_encode = msgspec.json.encode
_decode = msgspec.json.decode


class FrameError(ValueError):
    pass


@dataclass(frozen=True)
class Packet:
    """A decoded Socket.IO packet: `data` is the JSON after the header (None when absent)."""

    kind: str
    ack_id: int | None = None
    data: Any = None
    namespace: str = "/"


def connect_frame(auth: dict | None) -> str:
    return EIO_MESSAGE + SIO_CONNECT + (_encode(auth).decode() if auth is not None else "")


def event_frame(name: str, *args: Any, ack_id: int | None = None) -> str:
    ack = "" if ack_id is None else str(ack_id)
    return EIO_MESSAGE + SIO_EVENT + ack + _encode([name, *args]).decode()


def ack_frame(ack_id: int, *args: Any) -> str:
    return EIO_MESSAGE + SIO_ACK + str(ack_id) + _encode(list(args)).decode()


def decode_open(frame: str) -> dict:
    if not frame.startswith(EIO_OPEN):
        raise FrameError(f"expected an Engine.IO open packet, got {frame[:40]!r}")
    return _decode(frame[1:])


def decode_packet(frame: str) -> Packet:
    """Decode a websocket text frame holding an Engine.IO message with a Socket.IO packet."""
    if len(frame) < 2 or frame[0] != EIO_MESSAGE:
        raise FrameError(f"not a Socket.IO message frame: {frame[:40]!r}")
    kind, rest, namespace = frame[1], frame[2:], "/"
    if kind not in "0123456":
        raise FrameError(f"unknown Socket.IO packet type {kind!r}")
    if kind in "56":
        raise FrameError("binary Socket.IO packets are not spoken by this client")
    if rest.startswith("/"):
        namespace, _, rest = rest.partition(",")
    digits = len(rest) - len(rest.lstrip("0123456789"))
    ack_id = int(rest[:digits]) if digits else None
    body = rest[digits:]
    return Packet(kind, ack_id, _decode(body) if body else None, namespace)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of a sorted list (share in 0..1); nan for no values."""
    if not values:
        return math.nan
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


@dataclass(frozen=True)
class Latency:
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples_ms: list[float]) -> Latency:
        ordered = sorted(samples_ms)
        return cls(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.99),
                   ordered[-1] if ordered else math.nan)

    def line(self, noun: str = "deliveries") -> str:
        return (f"p50 {self.p50_ms:8.2f} ms   p99 {self.p99_ms:8.2f} ms   max {self.max_ms:8.2f} ms"
                f"   ({self.count} {noun})")


def ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x" if floor and not math.isnan(floor) and not math.isnan(value) else "n/a"
