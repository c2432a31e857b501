"""A log written before the package rename (topics `domain.…`) still loads and replays."""

from __future__ import annotations

import sqlite3

import pytest

from hubbub.application.context import CommandContext
from hubbub.application.topics import current_topic, with_legacy
from hubbub.domain.room import Room
from tests.projections_helpers import projected_rooms_of, serviced
from tests.commanding import Do


def _rename_topics_to_legacy(path: str, transcoder) -> int:
    """Rewrite the store as hubbub wrote it before the rename: event topics, and the aggregate
    topic inside each snapshot's state."""
    with sqlite3.connect(path) as db:
        changed = db.execute(
            "UPDATE stored_events SET topic = substr(topic, length('hubbub.') + 1) WHERE topic LIKE 'hubbub.domain.%'"
        ).rowcount
        for key, version, state in db.execute(
                "SELECT originator_id, originator_version, state FROM stored_snapshots").fetchall():
            decoded = transcoder.decode(state)
            decoded["topic"] = decoded["topic"].removeprefix("hubbub.")
            db.execute("UPDATE stored_snapshots SET state = ? WHERE originator_id = ? AND originator_version = ?",
                       (transcoder.encode(decoded), key, version))
            changed += 1
    return changed


def test_topic_names_map_both_ways():
    assert current_topic("domain.room:Room.Created") == "hubbub.domain.room:Room.Created"
    assert current_topic("hubbub.domain.room:Room.Created") == "hubbub.domain.room:Room.Created"
    assert with_legacy(["hubbub.domain.message:Message.Sent"]) == [
        "hubbub.domain.message:Message.Sent", "domain.message:Message.Sent"]


@pytest.mark.parametrize("snapshot_first", [False, True])
def test_a_log_written_under_the_old_module_names_loads_and_replays(tmp_path, snapshot_first):
    path = str(tmp_path / "events.sqlite3")
    with serviced(tmp_path, path) as (services, _):
        ann, bob = (Do(services).register(name, "correct horse")[0].id for name in ("ann", "bob"))
        room, _, _ = Do(services).create(CommandContext(ann), "group", [bob], name="old")
        Do(services).send(CommandContext(ann), room.id, "hello @bob")
        if snapshot_first:
            services.app.take_snapshot(room.id)
        transcoder = services.app.mapper.transcoder
    assert _rename_topics_to_legacy(path, transcoder) > 0

    with serviced(tmp_path, path) as (services, settings):
        loaded = services.app.load(Room, room.id)
        assert loaded.name == "old" and loaded.is_member(bob)
        # Commands go on appending after the old events, under the new names.
        Do(services).send(CommandContext(bob), room.id, "still here")
        rooms = projected_rooms_of(settings, services, bob)
    assert [r["name"] for r in rooms] == ["old"] and rooms[0]["unread"] == 1 and rooms[0]["mentions"] == 1
