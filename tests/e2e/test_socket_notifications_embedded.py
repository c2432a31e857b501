"""The embedded default end to end: a real `hubbub serve` without Redis (its background host in a
child process) shows a mention's digest on the user's socket, and takes the socket's ack."""

from __future__ import annotations

import pytest

from tests.e2e.processes import EMBEDDED, hubbub_serving
from tests.e2e.sockets import Person, Socket
from tests.polling import eventually

pytestmark = pytest.mark.timeout(120)


async def test_a_mention_reaches_the_online_socket_and_its_ack_is_recorded(tmp_path):
    with hubbub_serving(tmp_path, "embedded", **EMBEDDED) as served:
        ann, bob = Person(served.base, "ann"), Person(served.base, "bob")
        assert ann.call("PATCH", "/api/auth/me/notifications", json={"digest_window_s": 0}).status_code == 200
        room = bob.room(ann)
        socket = await Socket(served.base, ann.token).connect()
        try:
            bob.send(room, f"@{ann.name} look")
            digest = await socket.wait_event("notification", timeout=30)
            assert digest["digest_id"] and len(digest["items"]) == 1
            ack = await socket.call("notification:ack", {"id": digest["digest_id"]})
            assert ack["ok"], ack
            acked = await eventually(lambda: ann.call("GET", "/api/notifications/deliveries",
                                                      params={"status": "acked"}).json()["items"], timeout=10)
            assert [d["channel"] for d in acked] == ["socket"]
        finally:
            await socket.close()
