"""The socket benches' own parts: the Engine.IO/Socket.IO frame codec, the figures, and the lean
client against the floor server. A bench that misreads a frame reports nothing true."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import sio_frames as frames  # noqa: E402
from sio_client import LeanClient, close_all, connect_all, socket_url  # noqa: E402
from socket_load import Outcome, Plan, Recorder, fan_out  # noqa: E402
from socket_servers import BenchError, floor, require_gateway  # noqa: E402


def test_frames_are_encoded_as_socket_io_v5_over_engine_io_v4():
    assert frames.connect_frame({"token": "t"}) == '40{"token":"t"}'
    assert frames.connect_frame(None) == "40"
    assert frames.event_frame("message:send", {"a": 1}, ack_id=12) == '4212["message:send",{"a":1}]'
    assert frames.event_frame("typing:start", {}) == '42["typing:start",{}]'
    assert frames.ack_frame(3, {"ok": True}) == '433[{"ok":true}]'


@pytest.mark.parametrize("frame, packet", [
    ('40{"sid":"abc"}', frames.Packet("0", None, {"sid": "abc"})),
    ('44{"message":"invalid_token","data":{"detail":"x"}}',
     frames.Packet("4", None, {"message": "invalid_token", "data": {"detail": "x"}})),
    ('42["message:new",{"position":7}]', frames.Packet("2", None, ["message:new", {"position": 7}])),
    ('4317[{"ok":false}]', frames.Packet("3", 17, [{"ok": False}])),
    ('42/admin,5["x",1]', frames.Packet("2", 5, ["x", 1], "/admin")),
    ("41", frames.Packet("1")),
])
def test_frames_are_decoded_with_their_ack_id_and_namespace(frame, packet):
    assert frames.decode_packet(frame) == packet


@pytest.mark.parametrize("frame", ["", "2", "4", "49[]", '451-["x",{"_placeholder":true,"num":0}]'])
def test_frames_this_client_cannot_speak_are_refused(frame):
    with pytest.raises(frames.FrameError):
        frames.decode_packet(frame)


def test_the_open_packet_is_read_and_anything_else_refused():
    assert frames.decode_open('0{"sid":"s","pingInterval":25000}')["pingInterval"] == 25000
    with pytest.raises(frames.FrameError):
        frames.decode_open('40{"sid":"s"}')


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert frames.percentile(values, 0.5) == 50.0
    assert frames.percentile(values, 0.99) == 99.0
    assert frames.percentile(values, 1.0) == 100.0
    assert frames.percentile([4.0], 0.99) == 4.0
    assert math.isnan(frames.percentile([], 0.5))
    latency = frames.Latency.of([3.0, 1.0, 2.0])
    assert (latency.count, latency.p50_ms, latency.p99_ms, latency.max_ms) == (3, 2.0, 3.0, 3.0)


def test_ratios_say_when_there_is_no_floor():
    assert frames.ratio(20.0, 10.0) == "2.00x"
    assert frames.ratio(20.0, math.nan) == "n/a"


def test_the_recorder_times_only_its_own_runs_messages_after_the_warmup():
    recorder = Recorder(run="r1", measure_from=10.0)
    event = lambda body: [{"message": {"body": body}}]  # noqa: E731
    recorder.on_event(None, "message:new", event("bench r1 9.5"), 11.0)   # sent during the warm-up
    recorder.on_event(None, "message:new", event("bench r1 10.5"), 10.75)
    recorder.on_event(None, "message:new", event("bench r2 10.5"), 11.0)  # another run's
    recorder.on_event(None, "message:new", event("hello"), 11.0)
    recorder.on_event(None, "typing", [{}], 11.0)
    assert (recorder.received, recorder.samples_ms) == (2, [250.0])


def test_socket_urls_ask_for_the_websocket_transport():
    assert socket_url("http://127.0.0.1:8000", {"room": "r"}) == \
        "ws://127.0.0.1:8000/socket.io/?EIO=4&transport=websocket&room=r"


async def test_the_lean_client_sends_receives_and_replays_through_the_floor():
    with floor() as served:
        require_gateway(served.base)
        recorder = Recorder()
        clients = [LeanClient(served.base, recorder.on_event) for _ in range(20)]
        rooms = [f"room-{n // 5}" for n in range(20)]
        assert await connect_all(clients, [{"room": room} for room in rooms]) == []
        outcome = await fan_out(recorder, clients, rooms, "unit", Plan(rate=40, duration_s=0.5, warmup_s=0))
        assert (outcome.sent, outcome.expected, outcome.received, outcome.problems()) == (20, 100, 100, "")
        assert outcome.deliveries.count == 100 and outcome.acks.count == 20
        replaying = LeanClient(served.base)
        await replaying.connect({"replay": 50})
        await replaying.next_event("sync:done")
        positions = [args[0]["position"] for name, args, _ in replaying.events if name == "message:new"]
        assert len(positions) == 50 and positions == sorted(positions)
        await close_all([*clients, replaying])


def test_a_server_without_the_gateway_stops_the_bench(tmp_path):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(BenchError, match="has no Socket.IO gateway") as raised:
            require_gateway(f"http://127.0.0.1:{server.server_address[1]}")
        assert raised.value.code != 0
    finally:
        server.shutdown()
        server.server_close()



def test_an_outcome_names_missing_and_duplicated_deliveries_and_resyncs():
    latency = frames.Latency.of([1.0])
    outcome = lambda received, **more: Outcome(latency, latency, 10, 100, received, **more)  # noqa: E731
    assert outcome(100).problems() == ""
    assert outcome(97).problems() == "3 of 100 deliveries missing"
    assert outcome(103).problems() == "3 deliveries more than sent (duplicates)"
    assert "2 sync:resync_required, 1 sockets disconnected" in outcome(100, resyncs=2, disconnected=1).problems()
    assert "1 error acks" in outcome(100, ack_errors=[{"ok": False}]).problems()
