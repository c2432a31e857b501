"""The MongoDB read store against a real replica set (MONGODB_URL): its transactions, position
checks, text index and catalog. Skipped without one; nothing here is claimed from mongomock."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from uuid import uuid4

import pytest
from pymongo import monitoring

from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.store import CollectionSpec, PositionConflict, VersionGone
from hubbub.adapters.readstore.mongodb import WORDS, MongoReadStore
from tests.backends import mongodb_url
from tests.unit.projections import test_analytics as shared_analytics
from tests.unit.projections import test_search as shared_search
from tests.unit.projections import test_shape_upgrade as shared_upgrade
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
    store = MongoReadStore(url, 10.0)
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


# --- issue 15 ----------------------------------------------------------------------------------


def test_a_dropped_version_stays_dropped(store):
    stale = store.open("notes", 1, [NOTES], create=True)
    store.open("notes", 2, [NOTES], create=True)
    store.activate({"notes": 2})
    store.drop("notes", 1)
    with pytest.raises(VersionGone):  # a stale worker's first commit: no upsert recreates it
        stale.commit({"notes": {"n1": note(1)}}, expected=0, position=1)
    store.release("notes", 1)
    with pytest.raises(VersionGone):  # a stale process creating the version it last saw serving
        store.open("notes", 1, [NOTES], create=True)
    assert store.versions("notes") == [2]
    assert not [n for n in store.datastore.database.list_collection_names() if n.startswith("rm.notes.v1.")]


def test_the_writer_uses_the_primary_and_majority_and_queries_follow_the_url(url):
    listener = Recorder()
    secondary_url = url + ("&" if "?" in url else "?") + "readPreference=secondaryPreferred&w=1"
    store = MongoReadStore(secondary_url, 5.0, event_listeners=[listener])
    try:
        version = store.open("notes", 1, [NOTES], create=True)
        store.activate({"notes": 1})
        version.commit({"notes": {"n1": note(1, "hello")}}, expected=0, position=1)
        listener.commands.clear()
        version.position()
        version.load("notes", ["n1"])
        writer_reads = list(listener.commands)
        listener.commands.clear()
        version.find("notes", {})
        query = listener.commands[-1]
    finally:
        store.close()
    assert writer_reads
    for command in writer_reads:  # causally consistent majority reads: never older than our commit
        assert command["readConcern"]["level"] == "majority" and "afterClusterTime" in command["readConcern"]
        assert command.get("$readPreference", {"mode": "primary"})["mode"] == "primary"
    assert "afterClusterTime" not in query.get("readConcern", {})  # the query path: the URL's defaults
    assert query.get("$readPreference", {"mode": "secondaryPreferred"})["mode"] == "secondaryPreferred"
    writes = [c for c in listener.all if c.get("writeConcern")]
    assert writes and all(c["writeConcern"]["w"] == "majority" for c in writes)
    assert {"update", "commitTransaction"} <= {next(iter(c)) for c in writes}


class Recorder(monitoring.CommandListener):
    """Every command this client sends, as sent (find, update, commitTransaction...)."""

    def __init__(self) -> None:
        self.commands: list[dict] = []
        self.all: list[dict] = []

    def started(self, event):
        if event.command_name in ("find", "update", "commitTransaction", "insert", "delete", "findAndModify"):
            self.commands.append(dict(event.command))
            self.all.append(dict(event.command))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_text_search_and_the_words_index(store):
    version = store.open("notes", 1, [NOTES], create=True)
    version.commit({"notes": {"n1": note(1, "my cat ate a hotdog"), "n2": note(2, "Don't panic, Café")}},
                   expected=0, position=2)
    assert version.text_search("notes", ["cat", "dog"], {"room_id": {"$in": ["r1"]}}) == []
    assert [d["_id"] for d in version.text_search("notes", ["hotdog"], {"room_id": {"$in": ["r1"]}})] == ["n1"]
    assert [d["_id"] for d in version.text_search("notes", ["don't", "cafe"], {"room_id": {"$in": ["r0"]}})] == ["n2"]
    assert WORDS not in version.find_one("notes", "n1")
    indexes = store.datastore.collection("rm.notes.v1.notes").index_information()
    assert any(i["key"][0] == (WORDS, 1) for i in indexes.values())


def test_dates_come_back_to_the_millisecond(store):
    version = store.open("notes", 1, [NOTES], create=True)
    at = datetime(2024, 5, 1, 12, 0, 0, 123_999, tzinfo=timezone.utc)
    version.commit({"notes": {"n1": {**note(1), "at": at}}}, expected=0, position=1)
    assert version.find_one("notes", "n1")["at"] == at.replace(microsecond=123_000)


# The shared projection cases, on MongoDB: search (whole words, "hotdog", millisecond dates) and
# analytics (documents bounded whatever the number of senders).
@pytest.fixture
def world(tmp_path, url):
    shared = World(tmp_path, read_store_url=url)
    try:
        yield shared
    finally:
        shared.close()


test_search_finds_every_word = shared_search.test_finds_every_word_case_and_accent_blind_newest_first
test_search_only_given_rooms = shared_search.test_only_the_given_rooms_and_no_deleted_or_outdated_text
test_search_whole_words = shared_search.test_whole_words_never_parts_of_words
test_search_dates_to_the_millisecond = shared_search.test_times_come_back_to_the_millisecond_from_either_store
test_analytics_figures = shared_analytics.test_room_and_global_figures
test_analytics_documents_stay_small = shared_analytics.test_no_document_grows_with_the_number_of_senders
test_a_version_keeps_the_shape_it_was_created_in = shared_upgrade.test_a_version_records_the_shape_it_was_created_in_and_keeps_it
test_an_old_inbox_is_rebuilt_at_start = shared_upgrade.test_an_inbox_of_the_release_before_is_rebuilt_at_start_and_broadcasts_reach_everyone
test_a_rebuilding_inbox_serves_and_its_readers_wait = (
    shared_upgrade.test_while_the_inbox_is_rebuilt_everything_serves_and_what_reads_it_waits_for_the_switch)
test_current_shapes_are_not_rebuilt = shared_upgrade.test_a_store_in_every_current_shape_is_not_rebuilt_at_start


def test_a_switch_after_a_creations_snapshot_makes_its_catalog_write_conflict(store):
    """What refusing zombie versions rests on: MongoDB's write conflicts on the catalog document."""
    from pymongo.errors import OperationFailure
    from pymongo.read_concern import ReadConcern
    from pymongo.write_concern import WriteConcern

    from hubbub.adapters.readstore.mongodb import CATALOG, CATALOG_ID

    catalog = store.datastore.collection(CATALOG)
    store.activate({"notes": 1})
    with store.datastore.client.start_session() as session:
        session.start_transaction(read_concern=ReadConcern("majority"), write_concern=WriteConcern("majority"))
        catalog.find_one({"_id": CATALOG_ID}, session=session)  # the transaction's snapshot
        store.activate({"notes": 2})  # a switch commits after it
        with pytest.raises(OperationFailure) as raised:
            catalog.update_one({"_id": CATALOG_ID}, {"$inc": {"creations": 1}}, session=session)
        assert raised.value.has_error_label("TransientTransactionError")  # with_transaction retries it
        session.abort_transaction()


def test_a_switch_waits_for_a_creation_in_progress(store):
    """The other order: the creation wrote the catalog first; the switch waits for its commit."""
    import threading
    import time

    from pymongo.read_concern import ReadConcern
    from pymongo.write_concern import WriteConcern

    from hubbub.adapters.readstore.mongodb import CATALOG, CATALOG_ID

    catalog = store.datastore.collection(CATALOG)
    store.activate({"notes": 1})
    switched = threading.Event()
    with store.datastore.client.start_session() as session:
        session.start_transaction(read_concern=ReadConcern("majority"), write_concern=WriteConcern("majority"))
        catalog.update_one({"_id": CATALOG_ID}, {"$inc": {"creations": 1}}, session=session)
        switch = threading.Thread(target=lambda: (store.activate({"notes": 2}), switched.set()))
        switch.start()
        time.sleep(1.0)
        assert not switched.is_set()
        session.commit_transaction()
    switch.join(timeout=10)
    assert switched.is_set() and store.active_version("notes") == 2
