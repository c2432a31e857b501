"""What the MongoDB read store sends, without a server (issue 15).

Two kinds of checks: the concerns and read preferences of the real pymongo objects the store
builds (a client that never connects), and the calls it makes against scripted collections.
That MongoDB then behaves as documented is for tests/integration/test_projections_mongodb.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from eventsourcing.persistence import OperationalError
from pymongo import ReadPreference, ReplaceOne
from pymongo.errors import NetworkTimeout

from hubbub.adapters.readstore import open_read_store
from hubbub.adapters.readstore.mongodb import CATALOG, WORDS, MongoReadStore, MongoVersion
from hubbub.adapters.readstore.sqlite_version import to_millis
from hubbub.projections.store import CollectionSpec, PositionConflict, VersionGone
from tests.unit.test_mongodb_recorders_unit import Scripted, ScriptedDatastore

URL = "mongodb://127.0.0.1:1/rm?replicaSet=rs&readPreference=secondaryPreferred&w=1&readConcernLevel=local"
NOTES = CollectionSpec("notes", indexes=(("room_id", "position"),), text_field="body")


@pytest.fixture
def store() -> Iterator[MongoReadStore]:
    opened = MongoReadStore(URL, timeout_s=2.5)
    yield opened
    opened.close()


# --- which path reads where, with which concerns --------------------------------------------


def test_the_writer_reads_and_writes_on_the_primary_with_majority_whatever_the_url_says(store: MongoReadStore) -> None:
    version = MongoVersion(store.datastore, "notes", 1, [NOTES])
    for writer in (version._tracking, version._writer("notes"), store.datastore.collection(CATALOG)):
        assert writer.read_preference == ReadPreference.PRIMARY
        assert writer.read_concern.level == "majority" and writer.write_concern.document == {"w": "majority"}
    query = version._query("notes")
    assert query.read_preference == ReadPreference.SECONDARY_PREFERRED  # only queries follow the URL


def test_every_client_call_gives_up_after_the_configured_timeout(store: MongoReadStore) -> None:
    assert store.datastore.client.options.timeout == 2.5
    assert store.datastore.timeout_s == 2.5
    default = open_read_store(URL, "/nonexistent")
    assert default.datastore.client.options.timeout == 10.0  # type: ignore[attr-defined]
    default.close()


# --- scripted collections ---------------------------------------------------------------------


class ScriptedReadDatastore(ScriptedDatastore):
    """Stands in for the MongoDatastore a read store runs on; `queries` are the URL's path."""

    def __init__(self, **collections: Scripted) -> None:
        super().__init__(**collections)
        self.queries: dict[str, Scripted] = {}
        self.database = Scripted(list_collection_names=[])
        self.database.name = "rm"  # type: ignore[attr-defined]
        self.client = Scripted(get_database=lambda name: self.queries)

    def ensure_collection(self, name: str) -> None:
        self.collection(name)

    def close(self) -> None:
        """Nothing to close."""


def version_on(datastore: ScriptedReadDatastore, number: int = 1) -> MongoVersion:
    return MongoVersion(datastore, "notes", number, [NOTES])  # type: ignore[arg-type]


class Updated:
    def __init__(self, matched: int) -> None:
        self.matched_count = matched
        self.upserted_id = None


def test_a_commit_never_upserts_the_position() -> None:
    tracking = Scripted(update_one=Updated(1))
    datastore = ScriptedReadDatastore(**{"rm.notes.v1._tracking": tracking})
    version_on(datastore).commit({}, expected=0, position=3)
    (filter_, update), options = tracking.called("update_one")[0]
    assert filter_ == {"_id": "position", "position": 0} and update == {"$set": {"position": 3}}
    assert not options.get("upsert")


def test_a_commit_on_a_dropped_version_is_version_gone_and_writes_no_document() -> None:
    tracking = Scripted(update_one=Updated(0), find_one=None)
    notes = Scripted()
    datastore = ScriptedReadDatastore(**{"rm.notes.v1._tracking": tracking, "rm.notes.v1.notes": notes})
    with pytest.raises(VersionGone):
        version_on(datastore).commit({"notes": {"n1": {"_id": "n1", "body": "x"}}}, expected=0, position=1)
    assert notes.calls == []


def test_a_moved_position_is_a_conflict() -> None:
    tracking = Scripted(update_one=Updated(0), find_one={"_id": "position", "position": 9})
    datastore = ScriptedReadDatastore(**{"rm.notes.v1._tracking": tracking})
    with pytest.raises(PositionConflict):
        version_on(datastore).commit({}, expected=3, position=4)


@pytest.mark.parametrize(("number", "serving", "refused"), [(2, 3, True), (3, 3, False), (4, 3, False), (1, None, False)])
def test_creating_a_version_older_than_the_serving_one_is_refused(number: int, serving: int | None,
                                                                   refused: bool) -> None:
    catalog = Scripted(find_one={"_id": "serving", "versions": {"notes": serving}} if serving else None)
    tracking = Scripted()
    datastore = ScriptedReadDatastore(**{CATALOG: catalog, f"rm.notes.v{number}._tracking": tracking})
    version = version_on(datastore, number)
    if refused:
        with pytest.raises(VersionGone, match="retired"):
            version.create([NOTES])
        assert tracking.calls == [] and catalog.called("update_one") == []
        assert f"rm.notes.v{number}.notes" not in datastore.collections  # no index created either
        return
    version.create([NOTES])
    assert catalog.called("update_one")[0][0] == ({"_id": "serving"}, {"$inc": {"creations": 1}})
    (filter_, update), options = tracking.called("update_one")[0]
    assert (filter_, update, options["upsert"]) == ({"_id": "position"}, {"$setOnInsert": {"position": 0}}, True)


def test_a_shape_is_written_only_with_the_position_of_a_new_version() -> None:
    tracking = Scripted(find_one={"_id": "position", "position": 0, "shape": "2"})
    datastore = ScriptedReadDatastore(**{CATALOG: Scripted(find_one=None), "rm.notes.v1._tracking": tracking})
    version = version_on(datastore)
    version.create([NOTES], "2")
    (filter_, update), options = tracking.called("update_one")[0]
    assert (filter_, update, options["upsert"]) == (
        {"_id": "position"}, {"$setOnInsert": {"position": 0, "shape": "2"}}, True)
    assert version.shape() == "2"


def test_text_fields_are_stored_with_their_words_and_searched_by_all_of_them() -> None:
    notes = Scripted(find=[])
    datastore = ScriptedReadDatastore(**{"rm.notes.v1._tracking": Scripted(update_one=Updated(1)),
                                         "rm.notes.v1.notes": notes})
    datastore.queries["rm.notes.v1.notes"] = notes
    version = version_on(datastore)
    version.commit({"notes": {"n1": {"_id": "n1", "room_id": "r1", "body": "Don't eat my HOTDOG, café!"}}}, 0, 1)
    (operations,), _ = notes.called("bulk_write")[0]
    assert operations == [ReplaceOne({"_id": "n1"}, {"_id": "n1", "room_id": "r1", "body": "Don't eat my HOTDOG, café!",
                                                     WORDS: ["don", "t", "eat", "my", "hotdog", "cafe"]}, upsert=True)]
    version.text_search("notes", ["Café", "dog"], {"room_id": {"$in": ["r1"]}}, sort=[("position", -1)], limit=5)
    (query, projection), options = notes.called("find")[-1]
    assert query == {"room_id": {"$in": ["r1"]}, WORDS: {"$all": ["cafe", "dog"]}}
    assert projection == {WORDS: 0} and options == {"sort": [("position", -1)], "limit": 5}


def test_documents_come_back_without_the_words() -> None:
    notes = Scripted(find=[], find_one=None)
    datastore = ScriptedReadDatastore(**{"rm.notes.v1.notes": notes})
    datastore.queries["rm.notes.v1.notes"] = notes
    version = version_on(datastore)
    version.find("notes", {})
    version.find_one("notes", "n1")
    version.load("notes", ["n1"])
    assert [call[1][1] for call in notes.calls] == [{WORDS: 0}] * 3


def test_the_text_index_leads_with_the_words_then_the_first_index() -> None:
    notes = Scripted()
    datastore = ScriptedReadDatastore(**{CATALOG: Scripted(find_one=None), "rm.notes.v1.notes": notes})
    version_on(datastore).create([NOTES])
    assert [args[0] for args, _ in notes.called("create_index")] == [
        [("room_id", 1), ("position", 1)], [(WORDS, 1), ("room_id", 1), ("position", 1)]]


def test_a_timeout_is_eventsourcings_operational_error() -> None:
    notes = Scripted(find=NetworkTimeout("timed out"))
    datastore = ScriptedReadDatastore()
    datastore.queries["rm.notes.v1.notes"] = notes
    with pytest.raises(OperationalError):
        version_on(datastore).find("notes", {})


# --- dates: both stores keep milliseconds ------------------------------------------------------


def test_the_embedded_store_truncates_dates_to_the_millisecond_as_bson_does() -> None:
    import bson

    at = datetime(2024, 5, 1, 12, 0, 0, 123_999, tzinfo=timezone.utc)
    from_bson = bson.decode(bson.encode({"at": at}), codec_options=bson.CodecOptions(tz_aware=True))["at"]
    assert to_millis({"at": at, "list": [at], "nested": {"at": at}}) == {
        "at": from_bson, "list": [from_bson], "nested": {"at": from_bson}}
    assert from_bson.microsecond == 123_000


def test_the_catalog_is_switched_and_checked_through_the_writer(store: MongoReadStore) -> None:
    catalog = Scripted(find_one={"_id": "serving", "versions": {"notes": 2}})
    real, store._store = store._store, ScriptedReadDatastore(**{CATALOG: catalog})  # type: ignore[assignment]
    real.close()
    store.activate({"notes": 3, "rooms": 1})
    (filter_, update), options = catalog.called("update_one")[0]
    assert filter_ == {"_id": "serving"} and update == {"$set": {"versions.notes": 3, "versions.rooms": 1}}
    assert options == {"upsert": True, "session": "session"}
    with pytest.raises(ValueError, match="serving"):
        store.drop("notes", 2)  # the serving version, as the primary says
