"""Messages sent over sockets at a steady rate, each receipt timed from its send: the engine of
the fan-out bench. Every client lives in this one process, so one clock times both ends."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sio_client import LeanClient, close_all, connect_all
from sio_frames import Latency
from socket_servers import BenchError

TAG = "bench"


@dataclass
class Recorder:
    """Counts and times the receipts of one run's messages (their body names the run)."""

    run: str = ""
    measure_from: float = float("inf")
    received: int = 0
    resyncs: int = 0
    samples_ms: list[float] = field(default_factory=list)

    def on_event(self, client: LeanClient, name: str, args: list, received_at: float) -> None:
        if name == "sync:resync_required":
            self.resyncs += 1
        if name != "message:new":
            return
        tag, run, sent_at = _parse_body(args[0]["message"].get("body"))
        if tag == TAG and run == self.run:
            self.received += 1
            if sent_at >= self.measure_from:
                self.samples_ms.append((received_at - sent_at) * 1000)


def _parse_body(body: str | None) -> tuple[str, str, float]:
    parts = (body or "").split(" ")
    return (parts[0], parts[1], float(parts[2])) if len(parts) == 3 and parts[0] == TAG else ("", "", 0.0)


async def connect(bases: list[str], auths: list[dict], recorder: Recorder, **options) -> list[LeanClient]:
    """A socket per auth, spread over the servers in turn, all connected or the bench stops."""
    clients = [LeanClient(bases[n % len(bases)], recorder.on_event) for n in range(len(auths))]
    failures = await connect_all(clients, auths, **options)
    if failures:
        await close_all(clients)
        raise BenchError(f"{len(failures)} of {len(clients)} sockets failed to connect, first: {failures[0]!r}")
    return clients


@dataclass
class Outcome:
    deliveries: Latency
    acks: Latency
    sent: int
    expected: int
    received: int
    ack_errors: list = field(default_factory=list)
    resyncs: int = 0
    disconnected: int = 0

    def problems(self) -> str:
        said = []
        if self.received < self.expected:
            said.append(f"{self.expected - self.received} of {self.expected} deliveries missing")
        if self.received > self.expected:
            said.append(f"{self.received - self.expected} deliveries more than sent (duplicates)")
        if self.resyncs or self.disconnected:
            said.append(f"{self.resyncs} sync:resync_required, {self.disconnected} sockets disconnected")
        if self.ack_errors:
            said.append(f"{len(self.ack_errors)} error acks, first {self.ack_errors[0]}")
        return "; ".join(said)


@dataclass
class Plan:
    rate: float
    duration_s: float
    warmup_s: float = 2.0
    drain_s: float = 15.0


async def fan_out(recorder: Recorder, clients: list[LeanClient], rooms: list[str], run: str, plan: Plan) -> Outcome:
    """Send `rate` messages a second for `duration_s`, each from the next room's next member."""
    members = _members(clients, rooms)
    order = list(members)
    recorder.run, recorder.received, recorder.resyncs, recorder.samples_ms = run, 0, 0, []
    acks = Acks()
    start = time.perf_counter()
    recorder.measure_from = start + plan.warmup_s
    total, expected = int(plan.rate * plan.duration_s), 0
    for n in range(total):
        room = order[n % len(order)]
        sender = members[room][(n // len(order)) % len(members[room])]
        await _pace(start + n / plan.rate)
        await _send(sender, room, run, acks, recorder.measure_from)
        expected += len(members[room])
    await _drain(lambda: recorder.received >= expected and acks.answered >= total, plan.drain_s)
    return Outcome(Latency.of(recorder.samples_ms), Latency.of(acks.samples_ms), total, expected,
                   recorder.received, acks.errors, recorder.resyncs, sum(c.closed.is_set() for c in clients))


def _members(clients: list[LeanClient], rooms: list[str]) -> dict[str, list[LeanClient]]:
    members: dict[str, list[LeanClient]] = defaultdict(list)
    for client, room in zip(clients, rooms):
        members[room].append(client)
    return dict(members)


async def _pace(due: float) -> None:
    delay = due - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


@dataclass
class Acks:
    answered: int = 0
    errors: list = field(default_factory=list)
    samples_ms: list[float] = field(default_factory=list)


async def _send(sender: LeanClient, room: str, run: str, acks: Acks, measure_from: float) -> None:
    sent_at = time.perf_counter()

    def acked(data: list) -> None:
        acks.answered += 1
        answer = data[0] if data else None
        if not isinstance(answer, dict) or not answer.get("ok"):
            acks.errors.append(answer)
        elif sent_at >= measure_from:
            acks.samples_ms.append((time.perf_counter() - sent_at) * 1000)

    payload = {"room_id": room, "body": f"{TAG} {run} {sent_at:.6f}", "client_msg_id": str(uuid.uuid4())}
    await sender.emit("message:send", payload, on_ack=acked)


async def _drain(done, timeout_s: float) -> None:
    deadline = time.perf_counter() + timeout_s
    while not done() and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


async def prove_delivery(recorder: Recorder, clients: list[LeanClient], rooms: list[str], timeout_s: float = 20) -> None:
    """One message into the first room must reach each of its members, or the bench stops."""
    members = _members(clients, rooms)
    room = next(iter(members))
    recorder.run, recorder.received, recorder.measure_from = "probe", 0, float("inf")
    acks = Acks()
    await _send(members[room][0], room, "probe", acks, float("inf"))
    await _drain(lambda: recorder.received >= len(members[room]) or acks.errors, timeout_s)
    errors = acks.errors
    if errors or recorder.received < len(members[room]):
        raise BenchError(f"a message sent over a socket reached {recorder.received} of the room's "
                         f"{len(members[room])} members within {timeout_s} s (ack errors: {errors[:1]})")


async def probe_ack_ms(probe: LeanClient, room: str) -> float:
    """Milliseconds from a message:send to its ack: how fast the server answers a socket."""
    sent = time.perf_counter()
    payload = {"room_id": room, "body": "probe", "client_msg_id": str(uuid.uuid4())}
    answer = await probe.call("message:send", payload, timeout=60)
    if not (isinstance(answer, dict) and answer.get("ok")):
        raise BenchError(f"the probe's send was answered {answer!r}")
    return (time.perf_counter() - sent) * 1000
