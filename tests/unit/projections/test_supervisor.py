"""Read-your-writes, status, lag and health of the running projectors."""

from __future__ import annotations

import time

import pytest

from hubbub.application.read_models import StaleReadModel
from hubbub.projections import topics as t
from hubbub.projections.projector import Projector
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.store import CollectionSpec
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.supervisor import Supervisor
from tests.commanding import Do


class Broken(Projector):
    name = "broken"
    collections = (CollectionSpec("nothing"),)
    handles = {t.MESSAGE_SENT: "sent"}

    def sent(self, event, position, batch):
        raise RuntimeError("a bug in a projector")


def test_wait_for_raises_stale_when_the_position_is_not_reached(world):
    with pytest.raises(StaleReadModel):
        world.read_models.wait_for(world.services.app.head() + 1, timeout=0.05)


def test_queries_wait_for_the_position_a_command_returned(world):
    world.read_models.start()
    room = world.room("ann", "bob")
    position = Do(world.services).send(world.as_("ann"), room, "fresh").position
    world.read_models.wait_for(position, timeout=30)
    assert world.read_models.processed_position() >= position
    assert world.read_models.unread(world.people["bob"], room)["unread"] == 1


def test_live_events_that_no_projection_reads_are_passed_over(world):
    world.read_models.start()
    room = world.room("ann", "bob")
    Do(world.services).register("eve", "long enough pw")  # nobody projects accounts or sessions
    Do(world.services).open_session(world.people["ann"], "phone")
    position = Do(world.services).send(world.as_("ann"), room, "after them").position
    world.read_models.wait_for(position, timeout=30)
    assert world.read_models.health()["ok"] is True
    assert world.read_models.unread(world.people["bob"], room)["unread"] == 1
    assert set(world.read_models.lag().values()) == {0}


def test_status_and_lag_report_what_is_left_to_process(world):
    world.catch_up()
    assert set(world.read_models.lag().values()) == {0}
    room = world.room("ann", "bob")
    world.send("ann", room, "one")
    head = world.services.app.head()
    statuses = {s["name"]: s for s in world.read_models.projection_status()}
    assert statuses["rooms"]["head"] == head and statuses["rooms"]["lag"] == 2
    assert world.read_models.health()["ok"] is False  # nothing is running in this test


def test_a_failing_projector_is_reported_stopped_and_the_others_go_on(world):
    supervisor = Supervisor(EventLog(world.services.app), world.read_models.read_store,
                        [*PROJECTORS, Broken])
    supervisor.holder = lambda: None  # run directly, under no lease
    world.read_models.progress = supervisor
    world.read_models.start()
    room = world.room("ann", "bob")
    position = Do(world.services).send(world.as_("ann"), room, "boom").position
    deadline = time.monotonic() + 20
    while world.read_models.health()["projections"]["broken"]["state"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.05)
    health = world.read_models.health()
    assert health["ok"] is False and "a bug in a projector" in health["projections"]["broken"]["error"]
    others = [s for s in supervisor.statuses() if s.name != "broken"]
    assert all(s.position >= position and s.state == "running" for s in others)
