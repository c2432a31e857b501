"""The MongoDB read store against a real replica set (MONGODB_URL): its transactions, position
checks, text index and catalog. Skipped without one; nothing here is claimed from mongomock."""

from __future__ import annotations

import random
from uuid import uuid4

import pytest

from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.store import CollectionSpec, PositionConflict, VersionGone
from tests.backends import mongodb_url
from tests.unit.projections.workload import Workload, random_script
from tests.unit.projections.world import World, everything

NOTES = CollectionSpec("notes", indexes=(("room_id", "position"),), text_field="body")

pytestmark = pytest.mark.mongodb


@pytest.fixture
def url():
    with mongodb_url() as url:
        yield url


@pytest.fixture
def store(url):
    from hubbub.adapters.readstore.mongodb import MongoReadStore

    store = MongoReadStore(url)
    yield store
    store.close()


def note(i: int, body: str = "") -> dict:
    return {"_id": f"n{i}", "room_id": f"r{i % 2}", "position": i, "tags": [f"t{i % 2}"], "body": body or f"note {i}"}


def test_a_commit_moves_the_position_it_names_and_writes_everything_or_nothing(store):
    version = store.open("notes", 1, [NOTES], create=True)
    version.commit({"notes": {f"n{i}": note(i) for i in range(6)}}, expected=0, position=6)
    with pytest.raises(PositionConflict):
        version.commit({"notes": {"n1": None, "n9": note(9)}}, expected=5, position=7)
    assert version.position() == 6 and version.count("notes", {}) == 6
    version.commit({"notes": {"n1": None}}, expected=6, position=7)
    assert version.find_one("notes", "n1") is None and version.position() == 7


def test_queries_and_text_search(store):
    version = store.open("notes", 1, [NOTES], create=True)
    version.commit({"notes": {"n1": note(1, "Crème brûlée"), "n3": note(3, "creme of note"), "n2": note(2)}},
                   expected=0, position=3)
    assert [d["_id"] for d in version.find("notes", {"room_id": "r1"}, sort=[("position", -1)], limit=1)] == ["n3"]
    assert version.count("notes", {"tags": "t1"}) == 2
    assert [d["_id"] for d in version.text_search("notes", ["creme", "note"], {"room_id": {"$in": ["r1"]}})] == ["n3"]


def test_versions_switch_in_one_write_and_drop(store):
    store.open("notes", 1, [NOTES], create=True)
    store.open("notes", 2, [NOTES], create=True)
    store.activate({"notes": 1})
    with pytest.raises(ValueError):
        store.drop("notes", 1)
    store.activate({"notes": 2})
    store.drop("notes", 1)
    assert store.versions("notes") == [2] and store.active_version("notes") == 2
    with pytest.raises(VersionGone):
        store.open("notes", 1, [NOTES])


def test_a_rebuild_equals_the_live_read_models_on_mongodb(url, tmp_path):
    world = World(tmp_path, read_store_url=url)
    try:
        world.read_models.start()
        workload = Workload(world)
        for command in random_script(random.Random(uuid4().int % 1000), 120):
            workload.play(command)
        world.read_models.wait_for(world.services.app.head(), timeout=60)
        live = {p.name: everything(world.view(p.name), p.collections) for p in PROJECTORS}
        rebuild(EventLog(world.services.app), world.read_models.read_store, PROJECTORS, grace_s=0)
        assert {p.name: everything(world.view(p.name), p.collections) for p in PROJECTORS} == live
    finally:
        world.close()
