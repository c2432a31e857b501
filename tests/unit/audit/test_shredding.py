"""The shredding mapper: personal fields sealed per user on the way in, opened or "[erased]" on
the way out; snapshots too; events stored before sealing pass through; a destroyed key stays so."""

from __future__ import annotations

from uuid import uuid4

import pytest

from hubbub.adapters.eventstore.keys import KeyStore
from hubbub.adapters.eventstore.shredding import SEALED_PREFIX, ShreddingHubbub
from hubbub.application.app import Hubbub
from hubbub.domain.account import Account
from hubbub.domain.audit import ERASED, Erasure
from hubbub.domain.session import Session

ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo", "TRANSCODER_TOPIC": "hubbub.adapters.eventstore.metadata:MetadataTranscoder"}


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys(tmp_path):
    store = KeyStore(tmp_path / "keys.sqlite3", clock=Clock())
    yield store
    store.close()


@pytest.fixture
def app(keys):
    return ShreddingHubbub(keys, env=ENV)


def stored_states(app) -> list[bytes]:
    return [n.state for n in app.recorder.select_notifications(start=1, limit=100)]


def test_a_display_name_is_sealed_in_the_store_and_read_back(app):
    account = Account.register("ann", "Ann Example", "hash")
    app.save(account)
    [state] = stored_states(app)
    assert b"Ann Example" not in state and SEALED_PREFIX in state
    assert app.repository.get(account.id).display_name == "Ann Example"


def test_after_the_key_is_destroyed_it_reads_erased_and_new_writes_are_not_readable(app, keys):
    account = Account.register("ann", "Ann Example", "hash")
    app.save(account)
    keys.destroy(account.id)
    assert app.mapper.to_domain_event(app.recorder.select_notifications(start=1, limit=1)[0]).display_name == ERASED
    session = Session.open(uuid4(), account.id, "ann's phone", "token")
    app.save(session)
    assert b"phone" not in stored_states(app)[-1]
    assert app.mapper.to_domain_event(app.recorder.select_notifications(start=2, limit=1)[0]).device_name == ERASED


def test_an_erasure_event_makes_a_reader_forget_its_cached_key_at_once(tmp_path):
    writer_keys, reader_keys = KeyStore(tmp_path / "k.sqlite3"), KeyStore(tmp_path / "k.sqlite3")
    writer, reader = ShreddingHubbub(writer_keys, env=ENV), ShreddingHubbub(reader_keys, env=ENV)
    account = Account.register("ann", "Ann Example", "hash")
    writer.save(account)
    [stored] = writer.recorder.select_notifications(start=1, limit=1)
    assert reader.mapper.to_domain_event(stored).display_name == "Ann Example"  # the key is now cached
    writer_keys.destroy(account.id)
    assert reader.mapper.to_domain_event(stored).display_name == "Ann Example"  # still cached
    erasure = Erasure.request(account.id, "asked", account.id)
    writer.save(erasure)
    reader.mapper.to_domain_event(writer.recorder.select_notifications(start=2, limit=1)[0])
    assert reader.mapper.to_domain_event(stored).display_name == ERASED


def test_snapshots_of_accounts_are_sealed_too(app):
    account = Account.register("ann", "Ann Example", "hash")
    app.save(account)
    app.take_snapshot(account.id)
    [snapshot] = app.snapshots.recorder.select_events(account.id)
    assert b"Ann Example" not in snapshot.state
    assert app.snapshots.get(account.id).__next__().state["display_name"] == "Ann Example"


def test_events_stored_without_sealing_pass_through(app):
    plain = Hubbub(env=ENV)
    plain.recorder = app.recorder
    account = Account.register("ann", "Ann Example", "hash")
    stored = plain.mapper.to_stored_event(account.collect_events()[0])
    assert b"Ann Example" in stored.state
    assert app.mapper.to_domain_event(stored).display_name == "Ann Example"


def test_the_key_cache_expires(tmp_path):
    clock = Clock()
    store, other = KeyStore(tmp_path / "k.sqlite3", clock=clock), KeyStore(tmp_path / "k.sqlite3")
    subject = uuid4()
    assert store.key_for_writing(subject) is not None
    other.destroy(subject)
    assert store.key_for_reading(subject) is not None
    clock.now += 6
    assert store.key_for_reading(subject) is None and store.key_for_writing(subject) is None


def test_sealed_or_not_it_is_the_same_log(app):
    """The library names tables (hubbub_events on PostgreSQL) and settings after the application."""
    assert app.name == Hubbub.name == "hubbub"
