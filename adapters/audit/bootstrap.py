"""The audit's composition: its consumers (run by the background host) and its inspector."""

from __future__ import annotations

from collections.abc import Sequence

from hubbub.adapters.settings import Settings
from hubbub.application.services import Services
from hubbub.application.threads import Executors
from hubbub.projections.audit import index
from hubbub.projections.runtime.consumer import LogConsumer
from hubbub.projections.store import CollectionSpec, ReadStore, StoredVersion

from . import chain_consumer
from .inspector import AuditInspector
from .signing import load_checkpoint_key
from .verify import Verifier


def audit_consumers(settings: Settings, read_store: ReadStore) -> list[LogConsumer]:
    """What the background host runs for the audit: the index, then the chain."""
    key = load_checkpoint_key(settings.audit_checkpoint_key_file, settings.data_dir)
    chain = serving(read_store, chain_consumer.NAME, chain_consumer.SPECS)
    return [
        index.AuditIndex(serving(read_store, index.NAME, index.SPECS)),
        chain_consumer.ChainConsumer(chain, key, settings.audit_checkpoint_every_events,
                                     settings.audit_checkpoint_every_s),
    ]


def open_audit(settings: Settings, services: Services, executors: Executors, read_store: ReadStore) -> AuditInspector:
    """The inspector on the serving audit read models; it opens files, so call it in a thread."""
    key = load_checkpoint_key(settings.audit_checkpoint_key_file, settings.data_dir)
    chain = serving(read_store, chain_consumer.NAME, chain_consumer.SPECS)
    verifier = Verifier(services.app.recorder, chain, key)
    return AuditInspector(services.app, services.commands, executors, serving(read_store, index.NAME, index.SPECS),
                          verifier, settings.read_wait_timeout_s)


def serving(read_store: ReadStore, name: str, specs: Sequence[CollectionSpec]) -> StoredVersion:
    """The serving version of an audit read model, created (as version 1) the first time."""
    version = read_store.active_version(name)
    if version is None:
        read_store.open(name, 1, specs, create=True)
        read_store.activate({name: 1})
        version = 1
    return read_store.open(name, version, specs, create=True)
