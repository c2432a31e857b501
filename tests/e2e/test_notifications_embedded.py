"""Without Redis, a real `hubbub serve` runs notification delivery in its background child process;
the digests reach the host's web processes over the signal file, and their acks come back.

This test process stands for a web process of the same data directory, one level below the
gateway: it counts a socket of ann's in presence and listens on the bus, as `runtime.signals`
does for the gateway's sockets."""

from __future__ import annotations

import pytest

from hubbub.adapters.settings import Settings
from hubbub.adapters.signals.wiring import signal_transport
from tests.e2e.processes import EMBEDDED, hubbub_serving
from tests.e2e.sockets import Person
from tests.polling import eventually

pytestmark = pytest.mark.timeout(120)



async def test_a_digest_crosses_from_the_background_process_and_its_ack_comes_back(tmp_path):
    with hubbub_serving(tmp_path, "embedded", **EMBEDDED) as served:
        ann, bob = Person(served.base, "ann"), Person(served.base, "bob")
        assert ann.call("PATCH", "/api/auth/me/notifications", json={"digest_window_s": 0}).status_code == 200
        room = bob.room(ann)
        bus, presence = signal_transport(Settings(data_dir=str(tmp_path)))
        heard: list[tuple[str, dict]] = []

        async def hear(kind: str, payload: dict) -> None:
            heard.append((kind, payload))

        def digests_to(user_id: str) -> list[dict]:
            return [p["digest"] for k, p in heard if k == "notification" and p["user_id"] == user_id]

        bus.subscribe(hear)
        await bus.start()
        try:
            await presence.heartbeat()
            await presence.connected(ann.user_id)
            bob.send(room, f"@{ann.name} look")
            [digest] = await eventually(lambda: digests_to(ann.user_id), timeout=30)
            assert len(digest["items"]) == 1
            await bus.publish("notification:ack", {"user_id": ann.user_id, "id": digest["digest_id"]})
            acked = await eventually(lambda: ann.call("GET", "/api/notifications/deliveries",
                                                      params={"status": "acked"}).json()["items"])
            assert [d["channel"] for d in acked] == ["socket"]
        finally:
            await presence.close()
            await bus.close()
