"""Rebuilds: equal to what was built live, blue/green while serving, interruptible."""

from __future__ import annotations

import random

import pytest

from hubbub.projections.runtime import pump
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from hubbub.projections.registry import PROJECTORS, selected

from .workload import Workload, random_script
from .world import everything
from tests.commanding import Do


def snapshot(world) -> dict:
    return {p.name: everything(world.view(p.name), p.collections) for p in PROJECTORS}


@pytest.mark.parametrize("seed", [7, 8])
def test_a_rebuild_equals_the_read_models_built_live(world, seed):
    world.read_models.start()
    workload = Workload(world)
    for command in random_script(random.Random(seed), 300):
        workload.play(command)
    world.read_models.wait_for(world.services.app.head(), timeout=30)
    live = snapshot(world)
    versions = rebuild(EventLog(world.services.app), world.read_models.read_store, PROJECTORS, grace_s=0)
    assert set(versions.values()) == {2}
    rebuilt = snapshot(world)
    for projector in PROJECTORS:
        for spec in projector.collections:
            assert rebuilt[projector.name][spec.name] == live[projector.name][spec.name], (projector.name, spec.name)


def test_a_rebuild_reading_one_event_per_round_still_stores_everything(world, monkeypatch):
    monkeypatch.setattr(pump, "REPLAY_BATCH", 1)  # every round is full: none knows it reached the head
    room = world.room("ann", "bob")
    world.send("ann", room, "one @bob")
    world.catch_up()
    live = snapshot(world)
    rebuild(EventLog(world.services.app), world.read_models.read_store, PROJECTORS, grace_s=0)
    head = world.services.app.head()
    assert {p.name: world.view(p.name).position() for p in PROJECTORS} == {p.name: head for p in PROJECTORS}
    assert snapshot(world) == live


def test_the_old_version_serves_during_a_rebuild_and_is_dropped_after(world):
    room = world.room("ann", "bob")
    world.send("ann", room, "before")
    models = world.catch_up()
    store = models.read_store
    seen_during = []

    def progress(done, head):
        page = models.messages(room, before=None, after=None, limit=10)
        seen_during.append((store.active_version("timeline"), len(page["items"])))

    rebuild(EventLog(world.services.app), store, selected("timeline"), progress=progress, grace_s=0)
    assert seen_during and all(seen == (1, 1) for seen in seen_during)
    assert store.active_version("timeline") == 2 and store.versions("timeline") == [2]
    assert [m["body"] for m in models.messages(room, before=None, after=None, limit=10)["items"]] == ["before"]


def test_an_interrupted_rebuild_leaves_the_old_version_serving(world):
    room = world.room("ann", "bob")
    world.send("ann", room, "kept")
    models = world.catch_up()

    def interrupt(done, head):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rebuild(EventLog(world.services.app), models.read_store, PROJECTORS, progress=interrupt, grace_s=0)
    for projector in PROJECTORS:
        assert models.read_store.versions(projector.name) == [1] == [models.read_store.active_version(projector.name)]
    assert models.rooms_of(world.people["bob"])[0]["unread"] == 1


def test_a_running_supervisor_moves_to_the_rebuilt_version(world):
    room = world.room("ann", "bob")
    world.read_models.start()
    rebuild(EventLog(world.services.app), world.read_models.read_store, selected("rooms"), grace_s=0)
    position = Do(world.services).send(world.as_("ann"), room, "after the switch").position
    world.read_models.wait_for(position, timeout=30)
    assert world.read_models.unread(world.people["bob"], room)["unread"] == 1
    assert {f.name: f.version for f in world.read_models.progress.host.supervisor.followers}["rooms"] == 2
