"""Snapshots, encryption and compression, through the whole application on a real SQLite file."""

import sqlite3
from uuid import uuid4

from eventsourcing.cryptography import AESCipher

from hubbub.adapters.bootstrap import bootstrap
from hubbub.adapters.settings import Settings
from hubbub.application.context import CommandContext
from tests.contract.fakes import PlainHasher
from tests.commanding import Do


def build(tmp_path, **options):
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    return bootstrap(Settings(event_store_url=url, data_dir=str(tmp_path), **options), hasher=PlainHasher())


def test_a_room_with_many_events_is_snapshotted_and_loads_the_same(tmp_path):
    services = build(tmp_path)
    owner = Do(services).register("owner", "long enough pw")[0]
    people = [Do(services).register(f"user{i}", "long enough pw")[0] for i in range(120)]
    room, _, _ = Do(services).create(CommandContext(actor_id=owner.id), "channel", [], name="big")
    for person in people:
        Do(services).add_members(CommandContext(actor_id=person.id), room.id, [person.id])
    snapshots = list(services.app.snapshots.get(room.id))
    assert [s.originator_version for s in snapshots] == [100]
    loaded = services.rooms.get(room.id)
    replayed = services.app.repository._reconstruct_aggregate(room.id, None, _project)  # noqa: SLF001
    services.close()
    assert len(loaded.members) == 121 and vars(loaded) == vars(replayed)


def _project(aggregate, events):
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def test_encrypted_compressed_events_are_unreadable_at_rest_and_readable_through_the_app(tmp_path):
    key = AESCipher.create_key(16)
    services = build(tmp_path, cipher_key=key, compress_events=True)
    marker = f"plain-text-{uuid4().hex}"
    Do(services).register("alice", "long enough pw", display_name=marker)
    services.close()
    raw = sqlite3.connect(tmp_path / "events.sqlite3").execute("select state from stored_events").fetchall()
    assert raw and all(marker.encode() not in row[0] for row in raw)
    reopened = build(tmp_path, cipher_key=key, compress_events=True)
    assert reopened.accounts.find("alice").display_name == marker
    reopened.close()
