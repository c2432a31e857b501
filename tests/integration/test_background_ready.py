"""/ready is not ready while the background host is still starting: until every consumer has
reached the head of the log as it was when the host took the lease (before, a room created in
that window answered 404 while /ready said ok)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from litestar.testing import TestClient

from hubbub.adapters.background import consumers as registration
from hubbub.adapters.http.app import create_app
from hubbub.projections.runtime.consumer import LoggedEvent, PositionedConsumer
from tests.e2e.conftest import e2e_settings
from tests.polling import wait_until
from tests.unit.projections.world import World

GATE_S = 30.0


class Gated(PositionedConsumer):
    """Holds the catch-up until the test opens the gate."""

    name = "gated"

    def __init__(self, positions, gate: threading.Event):
        super().__init__(positions)
        self.gate = gate

    def handle(self, events: Sequence[LoggedEvent]) -> None:
        self.gate.wait(GATE_S)


def test_not_ready_until_every_consumer_reached_the_head_seen_at_start(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    world = World(tmp_path / "before", event_store_url=url)
    world.send("ann", world.room("ann", "bob"), "written before the start")
    world.close()
    gate = threading.Event()
    monkeypatch.setattr(registration, "background_consumers", lambda settings, store: [Gated(store.positions(), gate)])
    with TestClient(create_app(e2e_settings(tmp_path, event_store_url=url))) as client:
        try:
            ready = client.get("/ready")
            assert ready.status_code == 503
            projections = client.app.state.runtime.read_models.health()["projections"]
            assert projections["gated"]["state"] == "starting" and projections["gated"]["lag"] > 0
        finally:
            gate.set()
        wait_until(lambda: client.get("/ready").status_code == 200, timeout=10)
        assert client.app.state.runtime.read_models.health()["projections"]["gated"] == {
            "state": "running", "lag": 0, "error": None}
