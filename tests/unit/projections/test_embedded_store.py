"""The embedded read store: atomic commits, MongoDB's meaning for filters, full-text search, versions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hubbub.adapters.readstore.sqlite_store import SQLiteReadStore
from hubbub.adapters.readstore.sqlite_version import SQLiteVersion
from hubbub.projections.store import CollectionSpec, PositionConflict, VersionGone

NOTES = CollectionSpec("notes", indexes=(("room_id", "position"),), text_field="body")


def note(i: int, **fields) -> dict:
    return {"_id": f"n{i}", "room_id": f"r{i % 2}", "position": i, "flag": i % 3 == 0, "tags": [f"t{i % 2}"],
            "body": f"note {i}", "at": datetime(2024, 1, 1, tzinfo=timezone.utc), **fields}


@pytest.fixture
def version(tmp_path):
    store = SQLiteVersion(tmp_path / "v.sqlite3", [NOTES])
    store.commit({"notes": {f"n{i}": note(i) for i in range(10)}}, expected=0, position=10)
    yield store
    store.close()


class Interrupted(Exception):
    pass


class FailsHalfway(SQLiteVersion):
    def _write_collection(self, conn, collection, docs):
        super()._write_collection(conn, collection, docs)
        raise Interrupted()


def test_a_commit_is_all_or_nothing_and_names_the_position_it_replaces(tmp_path, version):
    with pytest.raises(PositionConflict):
        version.commit({"notes": {"n1": None}}, expected=9, position=11)
    halfway = FailsHalfway(version.path, [NOTES])
    with pytest.raises(Interrupted):
        halfway.commit({"notes": {"n1": None, "n99": note(99)}}, expected=10, position=11)
    halfway.close()
    assert version.position() == 10 and version.count("notes", {}) == 10
    assert SQLiteVersion(version.path, [NOTES]).find_one("notes", "n1") == note(1)  # as stored, after a reopen


def test_filters_mean_what_they_mean_in_mongodb(version):
    assert [d["_id"] for d in version.find("notes", {"room_id": "r1", "position": {"$gt": 2}},
                                           sort=[("position", -1)], limit=2)] == ["n9", "n7"]
    assert version.count("notes", {"tags": "t1"}) == 5  # an array field matches any element
    assert version.count("notes", {"flag": True}) == 4 and version.count("notes", {"flag": False}) == 6
    assert version.count("notes", {"position": {"$in": [1, 2, 99]}}) == 2
    assert version.count("notes", {"missing": None}) == 10
    with pytest.raises(ValueError):
        version.find("notes", {}, sort=[("body", 1)])


def test_an_indexed_field_refuses_what_sqlite_would_confuse(tmp_path):
    flags = SQLiteVersion(tmp_path / "flags.sqlite3", [CollectionSpec("flags", indexes=(("flag",),))])
    with pytest.raises(TypeError):
        flags.commit({"flags": {"a": {"_id": "a", "flag": True}}}, expected=0, position=1)
    assert flags.position() == 0
    flags.close()


def test_text_search_matches_every_whole_word_blind_to_case_and_accents(version):
    version.commit({"notes": {"n1": note(1, body="Crème brûlée"), "n2": None, "n4": note(4, body="creme of note")}},
                   expected=10, position=11)
    assert [d["_id"] for d in version.text_search("notes", ["creme"], {}, sort=[("position", 1)])] == ["n1", "n4"]
    assert [d["_id"] for d in version.text_search("notes", ["CREME", "note"], {})] == ["n4"]
    assert version.text_search("notes", ["note", "2"], {}) == []  # deleted documents leave the index
    assert [d["_id"] for d in version.text_search("notes", ["note"], {"room_id": {"$in": ["r1"]}},
                                                  sort=[("position", -1)], limit=2)] == ["n9", "n7"]


def test_versions_catalog_and_drops(tmp_path):
    store = SQLiteReadStore(tmp_path)
    first = store.open("notes", 1, [NOTES], create=True)
    first.commit({"notes": {"n1": note(1)}}, expected=0, position=5)
    store.open("notes", 2, [NOTES], create=True)
    store.activate({"notes": 1})
    with pytest.raises(ValueError):
        store.drop("notes", 1)
    store.activate({"notes": 2})
    store.drop("notes", 1)
    assert store.versions("notes") == [2] and store.active_version("notes") == 2
    with pytest.raises(VersionGone):
        store.open("notes", 1, [NOTES])
    with pytest.raises(VersionGone):
        first.find_one("notes", "n1")
    store.close()
    reopened = SQLiteReadStore(tmp_path)
    assert reopened.active_version("notes") == 2 and reopened.open("notes", 2, [NOTES]).position() == 0
    reopened.close()
