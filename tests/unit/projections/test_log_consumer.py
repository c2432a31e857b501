"""A log consumer registered beside the projectors (adapters/background/consumers.py): it gets
every event, in log order, with its metadata, and after a restart resumes from the position it
committed (through the read store's positions), not from the start."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hubbub.adapters.background import consumers as registration
from hubbub.projections.runtime.consumer import LoggedEvent, PositionedConsumer
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.store import PositionConflict
from tests.commanding import Do
from tests.polling import wait_until
from tests.unit.projections.world import World


class Recorder(PositionedConsumer):
    """Keeps what it was handed, as a relay would publish it."""

    name = "recorder"
    topics = ()  # every event

    def __init__(self, positions):
        super().__init__(positions)
        self.handed: list[LoggedEvent] = []

    def handle(self, events: Sequence[LoggedEvent]) -> None:
        self.handed.extend(events)


@pytest.fixture
def registered(monkeypatch):
    made: list[Recorder] = []

    def background_consumers(settings, read_store):
        made.append(Recorder(read_store.positions()))
        return [made[-1]]

    monkeypatch.setattr(registration, "background_consumers", background_consumers)
    return made


def logged(world: World, after: int = 0) -> list[tuple]:
    log = EventLog(world.services.app)
    return [(n.id, n.topic, n.originator_id, n.originator_version, dict(log.decode(n)[1]))
            for n in log.read(after=after, stop=log.head(), limit=100_000)]


def seen(recorder: Recorder) -> list[tuple]:
    return [(e.position, e.topic, e.originator_id, e.originator_version, dict(e.metadata)) for e in recorder.handed]


def test_every_event_in_order_with_metadata_then_resumes_after_a_restart(tmp_path, registered):
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    world = World(tmp_path, event_store_url=url)
    room = world.room("ann", "bob")
    world.send("ann", room, "before the start")
    world.read_models.start()
    position = Do(world.services).send(world.as_("bob"), room, "while running").position
    recorder = registered[-1]
    wait_until(lambda: recorder.committed_position() >= world.services.app.head(), 10)
    assert seen(recorder) == logged(world)
    sent = next(e for e in recorder.handed if e.position == position)
    assert sent.metadata["actor_id"] == str(world.people["bob"]) and sent.metadata["causation_id"].startswith("test-")
    assert sent.event.body == "while running" and sent.event.originator_id == sent.originator_id
    stopped_at = recorder.committed_position()
    world.close()

    world = World.reopen(tmp_path, url)
    world.send("ann", room, "while stopped")
    world.read_models.start()
    again = registered[-1]
    assert again is not recorder
    wait_until(lambda: again.committed_position() >= world.services.app.head(), 10)
    assert seen(again) == logged(world, after=stopped_at)  # only what came after: nothing twice
    assert [e.event.body for e in again.handed if hasattr(e.event, "body")] == ["while stopped"]
    world.close()


def test_a_position_moved_by_another_writer_is_a_conflict(tmp_path, registered):
    world = World(tmp_path)
    try:
        positions = world.read_models.read_store.positions()
        recorder = Recorder(positions)
        recorder.consume([], up_to=3)
        positions.commit("recorder", 3, 8)  # another host's consumer of the same name
        with pytest.raises(PositionConflict):
            positions.commit("recorder", 3, 5)
        assert recorder.committed_position() == 8
    finally:
        world.close()


class Running(Recorder):
    """A consumer with work of its own (as the notification host delivers): started and stopped by the host."""

    name = "running"
    life: list[str]

    def start(self) -> None:
        self.life.append("started")

    def stop(self) -> None:
        self.life.append(f"stopped at {self.committed_position()}")


def test_a_running_consumer_is_started_before_its_first_batch_and_stopped_after_the_last_commit(tmp_path, monkeypatch):
    made: list[Running] = []

    def background_consumers(settings, read_store):
        made.append(Running(read_store.positions()))
        made[-1].life = []
        return [made[-1]]

    monkeypatch.setattr(registration, "background_consumers", background_consumers)
    world = World(tmp_path)
    world.send("ann", world.room("ann", "bob"), "hello")
    world.read_models.start()
    [running] = made
    wait_until(lambda: running.committed_position() >= world.services.app.head(), 10)
    assert running.life == ["started"]
    world.close()
    assert running.life == ["started", f"stopped at {world.services.app.head()}"]


def test_the_notification_host_is_registered_and_opens_nothing_when_built(tmp_path):
    world = World(tmp_path)
    [host] = registration.background_consumers(world.settings, world.read_models.read_store)
    assert host.name == "digests" and not (tmp_path / "notifications.sqlite3").exists()
    assert host.committed_position() == 0 and (tmp_path / "notifications.sqlite3").exists()
    world.close()
