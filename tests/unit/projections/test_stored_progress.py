"""How far consumers running elsewhere have got: positions as they stored them, states as their
background host last reported them in the lease's record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hubbub.application.read_models import StaleReadModel
from hubbub.projections.read_models import ProjectedReadModels
from hubbub.projections.registry import NAMES, PROJECTORS, selected
from hubbub.projections.runtime.lease import LeaseRecord
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.progress import StoredProgress
from hubbub.projections.runtime.rebuild import rebuild
from hubbub.projections.runtime.status import ConsumerStatus
from tests.commanding import Do


class FakeRunner:
    def __init__(self):
        self.alive = False

    def start(self) -> None:
        self.alive = True

    def stop(self) -> None:
        self.alive = False

    def is_alive(self) -> bool:
        return self.alive


class FakeLease:
    """The record a holder left: each consumer's state, as its last beat said."""

    ttl_s = 5.0

    def __init__(self):
        self.current: LeaseRecord | None = None

    def holding(self, states: dict[str, tuple[str, str | None]], silent_s: float = 0.1, expired: bool = False):
        consumers = tuple(ConsumerStatus(name, 1, 0, 0, *states.get(name, ("running", None))) for name in NAMES)
        self.current = LeaseRecord("elsewhere:1:ab", datetime.now(UTC), silent_s, expired, consumers)

    def record(self) -> LeaseRecord | None:
        return self.current


def elsewhere(world, runner=None, lease=None) -> ProjectedReadModels:
    """A second view of the world's read store, as a web process whose consumers run apart has."""
    store = world.read_models.read_store
    return ProjectedReadModels(store, StoredProgress(EventLog(world.services.app), store, PROJECTORS,
                                                     lease or store.lease(), runner))


def test_live_batches_store_the_position_even_when_nothing_changed(world):
    room = world.room("ann", "bob")
    world.read_models.start()
    world.read_models.wait_for(Do(world.services).send(world.as_("ann"), room, "hello").position, timeout=10)
    Do(world.services).open_session(world.people["ann"], "phone")  # a batch of its own, read by none
    head = world.services.app.head()
    view = elsewhere(world)
    view.wait_for(head, timeout=5)
    # Projectors' positions are read from the store; other consumers' (digests) from the next beat.
    projector_lag = {name: lag for name, lag in view.lag().items() if name in NAMES}
    assert view.processed_position() == head and set(projector_lag.values()) == {0} and len(projector_lag) == len(NAMES)


def test_a_position_not_stored_yet_is_stale(world):
    world.catch_up()
    view = elsewhere(world)
    with pytest.raises(StaleReadModel):
        view.wait_for(world.services.app.head() + 1, timeout=0.05)


def states(view) -> set[str]:
    return {p["state"] for p in view.health()["projections"].values()}


def test_without_a_holder_it_is_starting_while_the_child_runs_and_stopped_otherwise(world):
    world.catch_up()
    runner, lease = FakeRunner(), FakeLease()
    child, apart = elsewhere(world, runner, lease), elsewhere(world, lease=lease)
    child.start()
    assert states(child) == {"starting"} and child.health()["ok"] is False
    runner.alive = False
    assert states(child) == {"stopped"} and child.health()["ok"] is False
    assert states(apart) == {"stopped"}
    assert {s["error"] for s in apart.projection_status()} == {"no background host holds the lease"}
    lease.holding({}, expired=True)  # its holder died: nobody holds it
    assert states(apart) == {"stopped"}
    child.progress.stop()


def test_what_the_holder_reports_of_each_consumer_is_what_health_shows(world):
    world.catch_up()
    lease = FakeLease()
    view = elsewhere(world, lease=lease)
    lease.holding({"timeline": ("retrying", "OperationalError: disk I/O error")})
    projections = view.health()["projections"]
    assert projections["timeline"] == {"state": "retrying", "lag": 0, "error": "OperationalError: disk I/O error"}
    assert {p["state"] for name, p in projections.items() if name != "timeline"} == {"running"}
    assert view.health()["ok"] is True  # retrying is not down: queries still answer, lag shows
    lease.holding({"timeline": ("stopped", "gave up")})
    assert view.health()["ok"] is False


def test_not_ready_while_a_consumer_is_still_starting(world):
    world.catch_up()
    lease = FakeLease()
    view = elsewhere(world, lease=lease)
    lease.holding({"rooms": ("starting", None)})
    assert view.health()["ok"] is False and view.health()["projections"]["rooms"]["state"] == "starting"
    lease.holding({})
    assert view.health()["ok"] is True


def test_a_holder_that_stopped_beating_is_reported_stopped(world):
    world.catch_up()
    lease = FakeLease()
    view = elsewhere(world, lease=lease)
    lease.holding({}, silent_s=6.0)
    assert states(view) == {"stopped"} and view.health()["ok"] is False
    assert all("elsewhere:1:ab has not reported for 6 s" in s["error"] for s in view.projection_status())


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
