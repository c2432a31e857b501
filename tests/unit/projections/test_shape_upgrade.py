"""Upgrades: a read model built in another shape than this release writes is rebuilt when the
background host starts, beside the others, and held back until it is; nothing else is rebuilt.

Run on the embedded store here and on MongoDB by tests/integration/test_projections_mongodb.py.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

from hubbub.application.context import CommandContext
from hubbub.application.read_models import StaleReadModel
from hubbub.projections.inbox import audiences
from hubbub.projections.inbox.projector import NOTIFICATIONS
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.runtime import upgrade
from hubbub.projections.runtime.upgrade import built_shape
from hubbub.projections.store import CollectionSpec
from tests.commanding import Do
from tests.polling import wait_until

NOTES = CollectionSpec("notes")


def serving_versions(world) -> dict[str, int]:
    return {p.name: world.read_models.read_store.active_version(p.name) for p in PROJECTORS}


def as_the_release_before_left_it(world) -> None:
    """The inbox of a release before audience documents and recorded shapes: no shape, and no
    document per (audience, user)."""
    view = world.view("inbox")
    members = {doc["_id"]: None for doc in view.find(audiences.MEMBERS, {})}
    assert members  # every registration wrote one: there is something to lose
    view.commit({audiences.MEMBERS: members}, expected=view.position(), position=view.position())
    forget_shape(world.read_models.read_store, "inbox", world.read_models.read_store.active_version("inbox"))
    assert view.shape() is None


def forget_shape(read_store, name: str, version: int) -> None:
    if hasattr(read_store, "datastore"):  # MongoDB
        tracking = read_store.datastore.collection(f"rm.{name}.v{version}._tracking")
        tracking.update_one({"_id": "position"}, {"$unset": {"shape": ""}})
        return
    with sqlite3.connect(read_store.directory / f"{name}.v{version}.sqlite3") as conn:
        conn.execute("DELETE FROM shape")


def broadcast_to_all(world) -> int:
    do = Do(world.services)
    do.promote(CommandContext.system(), "ann")
    _, position = do.broadcast(CommandContext(actor_id=world.people["ann"]), "news", "Upgraded", "hello", "transactional")
    return position


def reached(world, position: int) -> set[str]:
    return {d["user_id"] for d in world.view("inbox").find(NOTIFICATIONS, {"position": position})}


def test_a_version_records_the_shape_it_was_created_in_and_keeps_it(world):
    store = world.read_models.read_store
    assert store.open("notes", 1, [NOTES], create=True, shape="3").shape() == "3"
    assert store.open("notes", 2, [NOTES], create=True).shape() is None
    store.release("notes", 1)
    assert store.open("notes", 1, [NOTES], create=True, shape="4").shape() == "3"  # existing: left as it was


def test_an_inbox_of_the_release_before_is_rebuilt_at_start_and_broadcasts_reach_everyone(world):
    world.catch_up()
    before = serving_versions(world)
    as_the_release_before_left_it(world)
    world.read_models.start()
    position = broadcast_to_all(world)
    world.read_models.wait_for(position, timeout=30)
    assert reached(world, position) == {str(u) for u in world.people.values()}
    after = serving_versions(world)
    assert after["inbox"] > before["inbox"] and built_shape(world.view("inbox")) == "2"
    others = [p.name for p in PROJECTORS if p.name != "inbox"]
    assert {n: after[n] for n in others} == {n: before[n] for n in others}  # not rebuilt
    assert all(world.read_models.read_store.versions(n) == [before[n]] for n in others)
    wait_until(lambda: world.read_models.read_store.versions("inbox") == [after["inbox"]], timeout=10)


def test_while_it_is_rebuilt_the_inbox_is_rebuilding_not_ready_and_its_old_version_answers(world, monkeypatch):
    world.catch_up()
    as_the_release_before_left_it(world)
    gate, real = threading.Event(), upgrade.rebuild
    monkeypatch.setattr(upgrade, "rebuild", lambda *args, **kwargs: gate.wait(30) and real(*args, **kwargs))
    world.read_models.start()
    try:
        health = wait_until(lambda: _others_running(world.read_models.health()), timeout=10)
        assert health["ok"] is False and health["projections"]["inbox"]["state"] == "rebuilding"
        position = broadcast_to_all(world)
        with pytest.raises(StaleReadModel):  # never answered from the old shape as if up to date
            world.read_models.wait_for(position, timeout=0.3)
        assert world.read_models.notifications(world.people["bob"], None, 10)["items"] == []  # old version answers
    finally:
        gate.set()
    world.read_models.wait_for(position, timeout=30)
    assert reached(world, position) == {str(u) for u in world.people.values()}
    assert wait_until(lambda: world.read_models.health()["ok"], timeout=10)


def _others_running(health: dict) -> dict | None:
    others = [p["state"] for name, p in health["projections"].items() if name != "inbox"]
    return health if all(state == "running" for state in others) else None


def test_a_store_in_every_current_shape_is_not_rebuilt_at_start(world):
    world.catch_up()
    before = serving_versions(world)
    world.read_models.start()
    position = broadcast_to_all(world)
    world.read_models.wait_for(position, timeout=30)
    assert world.read_models.progress.host.supervisor.upgrade is None
    assert serving_versions(world) == before
    assert all(world.read_models.read_store.versions(n) == [v] for n, v in before.items())
    assert {p.name: built_shape(world.view(p.name)) for p in PROJECTORS} == {p.name: p.shape for p in PROJECTORS}
    assert reached(world, position) == {str(u) for u in world.people.values()}
