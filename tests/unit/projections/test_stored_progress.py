"""How far projectors running elsewhere have got, read from the positions they stored."""

from __future__ import annotations

import pytest

from hubbub.application.read_models import StaleReadModel
from hubbub.projections.log import EventLog
from hubbub.projections.progress import StoredProgress
from hubbub.projections.read_models import ProjectedReadModels
from hubbub.projections.rebuild import rebuild
from hubbub.projections.registry import PROJECTORS, selected
from tests.commanding import Do


class FakeRunner:
    def __init__(self):
        self.alive = False
        self.reports: dict[str, tuple[str, str | None]] = {}

    def start(self) -> None:
        self.alive = True

    def stop(self) -> None:
        self.alive = False

    def is_alive(self) -> bool:
        return self.alive

    def state_of(self, name: str) -> tuple[str, str | None]:
        return self.reports.get(name, ("running", None)) if self.alive else ("stopped", None)


def elsewhere(world, runner=None) -> ProjectedReadModels:
    """A second view of the world's read store, as a web process whose projectors run apart has."""
    return ProjectedReadModels(world.read_models.read_store,
                               StoredProgress(EventLog(world.services.app), world.read_models.read_store, PROJECTORS, runner))


def test_live_batches_store_the_position_even_when_nothing_changed(world):
    room = world.room("ann", "bob")
    world.read_models.start()
    world.read_models.wait_for(Do(world.services).send(world.as_("ann"), room, "hello").position, timeout=10)
    Do(world.services).open_session(world.people["ann"], "phone")  # a batch of its own, read by none
    head = world.services.app.head()
    view = elsewhere(world)
    view.wait_for(head, timeout=5)
    assert view.processed_position() == head and set(view.lag().values()) == {0}


def test_a_position_not_stored_yet_is_stale(world):
    world.catch_up()
    view = elsewhere(world)
    with pytest.raises(StaleReadModel):
        view.wait_for(world.services.app.head() + 1, timeout=0.05)


def test_state_follows_the_child_process_or_is_external(world):
    world.catch_up()
    runner = FakeRunner()
    child, external = elsewhere(world, runner), elsewhere(world)
    child.start()
    assert child.health()["ok"] is True and {p["state"] for p in child.health()["projections"].values()} == {"running"}
    runner.alive = False
    assert child.health()["ok"] is False and {s["state"] for s in child.projection_status()} == {"stopped"}
    assert external.health()["ok"] is True and {s["state"] for s in external.projection_status()} == {"external"}
    child.progress.stop()


def test_what_the_child_reports_of_a_projection_is_what_health_shows(world):
    world.catch_up()
    runner = FakeRunner()
    child = elsewhere(world, runner)
    child.start()
    runner.reports = {"timeline": ("retrying", "OperationalError: disk I/O error")}
    projections = child.health()["projections"]
    assert projections["timeline"] == {"state": "retrying", "lag": 0, "error": "OperationalError: disk I/O error"}
    assert {p["state"] for name, p in projections.items() if name != "timeline"} == {"running"}
    assert child.health()["ok"] is True  # retrying is not down: queries still answer, lag shows
    runner.reports = {"timeline": ("stopped", "gave up")}
    assert child.health()["ok"] is False
    child.progress.stop()


def test_a_rebuilt_version_is_read_once_switched(world):
    room = world.room("ann", "bob")
    world.send("ann", room, "before the rebuild")
    world.catch_up()
    view = elsewhere(world)
    assert {s["name"]: s["version"] for s in view.projection_status()}["rooms"] == 1
    rebuild(EventLog(world.services.app), world.read_models.read_store, selected("rooms"), grace_s=0)
    view.progress._read_at = float("-inf")  # not within the 2 ms a reading is shared
    statuses = {s["name"]: s for s in view.projection_status()}
    assert statuses["rooms"]["version"] == 2 and statuses["rooms"]["lag"] == 0
