"""Upgrades: a read model built in another shape than this release writes is rebuilt when the
background host starts, beside the others, while everything keeps serving; the consumers that
read it wait for the switch; nothing else is rebuilt.

Run on the embedded store here and on MongoDB by tests/integration/test_projections_mongodb.py.
"""

from __future__ import annotations

import sqlite3
import threading

from hubbub.adapters.notifications.engine import DigestEngine
from hubbub.adapters.notifications.host import outbox_of
from hubbub.application.context import CommandContext
from hubbub.domain.inbox import notification_id
from hubbub.projections import topics as t
from hubbub.projections.inbox import audiences
from hubbub.projections.inbox.projector import NOTIFICATIONS
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.runtime import upgrade
from hubbub.projections.runtime.consumer import PositionedConsumer
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
    everyone = {str(u) for u in world.people.values()}
    # Made before or during the rebuild, the broadcast is replayed or followed into the new version.
    wait_until(lambda: reached(world, position) == everyone, timeout=30)  # the old version reaches nobody
    after = serving_versions(world)
    assert after["inbox"] > before["inbox"] and built_shape(world.view("inbox")) == "2"
    others = [p.name for p in PROJECTORS if p.name != "inbox"]
    assert {n: after[n] for n in others} == {n: before[n] for n in others}  # not rebuilt
    assert all(world.read_models.read_store.versions(n) == [before[n]] for n in others)
    wait_until(lambda: world.read_models.read_store.versions("inbox") == [after["inbox"]], timeout=10)


def test_while_the_inbox_is_rebuilt_everything_serves_and_what_reads_it_waits_for_the_switch(world, monkeypatch):
    world.catch_up()
    as_the_release_before_left_it(world)
    reader = with_audience_reader(world)
    gate, real = threading.Event(), upgrade.rebuild
    monkeypatch.setattr(upgrade, "rebuild", lambda *args, **kwargs: gate.wait(30) and real(*args, **kwargs))
    world.read_models.start()
    try:
        health = wait_until(lambda: _settled(world.read_models.health()), timeout=10)
        assert health["ok"] is True  # /ready: rebuilding and waiting are serving states
        assert health["projections"]["inbox"]["state"] == "rebuilding"
        waiting = health["projections"][reader.name]
        assert (waiting["state"], waiting["error"]) == ("waiting", "waiting for the inbox rebuild")
        assert health["projections"][DigestEngine.name]["state"] == "waiting"  # the real digest engine
        position = broadcast_to_all(world)
        world.read_models.wait_for(position, timeout=10)  # read-your-writes proceeds
        assert world.read_models.notifications(world.people["bob"], None, 10)["items"] == []  # the old version
        assert reader.batches == []
    finally:
        gate.set()
    everyone = {str(u) for u in world.people.values()}
    wait_until(lambda: position in reader.reached, timeout=30)
    assert reader.reached[position] == everyone  # the audience read after the switch
    assert reached(world, position) == everyone
    handed = [str(notification_id(position, user)) for user in everyone]
    assert wait_until(lambda: outbox_of(world.settings).handed_over(handed) == set(handed), timeout=10)
    assert wait_until(lambda: world.read_models.health()["projections"][reader.name]["state"] == "running",
                      timeout=10)


class AudienceReader(PositionedConsumer):
    """Takes each broadcast's audience from the inbox when it is handed the broadcast, as the
    digest engine does."""

    name = "audience-reader"
    topics = (t.BROADCAST_ANNOUNCED,)
    reads = ("inbox",)

    def __init__(self, positions, read_models):
        super().__init__(positions)
        self.read_models = read_models
        self.batches: list[int] = []  # up_to of every batch handed over
        self.reached: dict[int, set[str]] = {}

    def consume(self, events, up_to: int) -> None:
        self.batches.append(up_to)
        super().consume(events, up_to)

    def handle(self, events) -> None:
        for logged in events:
            audience, after, found = audiences.audience_of(logged.event), "", set()
            while page := self.read_models.audience_page(audience, after, audiences.PAGE):
                found.update(page)
                after = page[-1]
            self.reached[logged.position] = found


def with_audience_reader(world) -> AudienceReader:
    """An AudienceReader beside the registered consumers of the world's next supervisor."""
    reader = AudienceReader(world.read_models.read_store.positions(), world.read_models)
    host = world.read_models.progress.host
    new_supervisor = host.new_supervisor

    def with_reader():
        supervisor = new_supervisor()
        supervisor.consumers.append(reader)
        return supervisor

    host.new_supervisor = with_reader
    return reader


def _settled(health: dict) -> dict | None:
    """The health once the inbox rebuilds, its readers wait and every other consumer runs."""
    states = {name: p["state"] for name, p in health["projections"].items()}
    others = [state for name, state in states.items() if name not in ("inbox", DigestEngine.name, AudienceReader.name)]
    settled = states["inbox"] == "rebuilding" and all(state == "running" for state in others)
    return health if settled and states.get(AudienceReader.name) == "waiting" else None


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
