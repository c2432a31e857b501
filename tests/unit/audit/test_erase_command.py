"""EraseUser through the bus: checked before the key is destroyed, then recorded; the writer's
cached aggregates (opened with the old key) are forgotten."""

from __future__ import annotations

from uuid import uuid4

import pytest

from hubbub.adapters.eventstore.keys import KeyStore
from hubbub.adapters.eventstore.shredding import ShreddingHubbub
from hubbub.application import commands as c
from hubbub.application.app import Hubbub
from hubbub.application.context import CommandContext
from hubbub.application.log_cache import LogFollowingCache
from hubbub.application.services import Services
from hubbub.domain.account import Account
from hubbub.domain.audit import ERASED, Erasure
from hubbub.domain.errors import Conflict, InvalidInput, NotFound
from tests.commanding import Do
from tests.contract.fakes import PlainHasher

ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo", "TRANSCODER_TOPIC": "hubbub.adapters.eventstore.metadata:MetadataTranscoder"}


@pytest.fixture
def services(tmp_path):
    built = Services.build(ShreddingHubbub(KeyStore(tmp_path / "keys.sqlite3"), env=ENV), PlainHasher())
    yield built
    built.close()


def test_a_refused_erasure_destroys_no_key(services):
    ann, _ = Do(services).register("ann", "correct horse battery", "Ann Smith")
    with pytest.raises(InvalidInput):
        services.commands.call(c.EraseUser(ann.id, "   "), CommandContext.system())
    with pytest.raises(NotFound):
        services.commands.call(c.EraseUser(uuid4(), "asked by the user"), CommandContext.system())
    assert services.app.keys.key_for_reading(ann.id) is not None
    assert services.app.load(Account, ann.id).display_name == "Ann Smith"


def test_an_erasure_is_recorded_after_the_key_is_gone(services):
    ann, _ = Do(services).register("ann", "correct horse battery", "Ann Smith")
    position = services.commands.call(c.EraseUser(ann.id, "asked by the user"), CommandContext.system())
    assert services.app.keys.key_for_reading(ann.id) is None
    [recorded] = services.app.recorder.select_notifications(start=position, limit=1)
    assert recorded.topic == "hubbub.domain.audit:Erasure.Requested"
    assert services.app.load(Account, ann.id).display_name == ERASED


def test_without_sealing_there_is_nothing_to_erase():
    services = Services.build(Hubbub(env=ENV), PlainHasher())
    try:
        ann, _ = Do(services).register("ann", "correct horse battery")
        with pytest.raises(Conflict):
            services.commands.call(c.EraseUser(ann.id, "asked by the user"), CommandContext.system())
    finally:
        services.close()


def test_the_writer_cache_forgets_everything_at_an_erasure(services):
    ann, _ = Do(services).register("ann", "correct horse battery", "Ann Smith")
    ours, theirs = LogFollowingCache(services.app), LogFollowingCache(services.app)
    for cache in (ours, theirs):
        cache.catch_up()
        cache.load(Account, ann.id)
    erasure = Erasure.request(ann.id, "asked by the user", ann.id)
    services.app.save(erasure)
    ours.put(erasure)  # the writer that appended it
    theirs.catch_up()  # a writer in another process, following the log
    for cache in (ours, theirs):
        assert ann.id not in cache._aggregates
