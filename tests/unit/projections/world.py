"""A hubbub with its read models, driven synchronously: commands, then catch_up(), then queries."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from hubbub.adapters.bootstrap import bootstrap, bootstrap_read_models
from hubbub.adapters.settings import Settings
from hubbub.application.context import CommandContext
from hubbub.domain.ids import account_id
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.store import StoredVersion
from tests.contract.fakes import PlainHasher
from tests.commanding import Do


class World:
    def __init__(self, directory: Path, event_store_url: str = "memory://", names=("ann", "bob", "cat", "dan"),
                 register: bool = True, read_store_url: str = ""):
        self.settings = Settings(event_store_url=event_store_url, data_dir=str(directory),
                                 read_store_url=read_store_url, projections="thread")
        self.services = bootstrap(self.settings, hasher=PlainHasher())
        self.read_models = bootstrap_read_models(self.settings, self.services, start=False)
        self.people = {name: account_id(name) for name in names}
        for name in names if register else ():
            Do(self.services).register(name, "long enough pw")

    @classmethod
    def reopen(cls, directory: Path, event_store_url: str, read_store_url: str = "") -> World:
        """Another process's view of the same event store (its people already registered)."""
        return cls(directory, event_store_url, register=False, read_store_url=read_store_url)

    def as_(self, name: str) -> CommandContext:
        return CommandContext(actor_id=self.people[name], causation_id=f"test-{uuid4().hex[:6]}")

    def catch_up(self):
        self.read_models.progress.catch_up()
        return self.read_models

    def room(self, owner: str, *members: str, kind: str = "group", private: bool = False):
        ids = [self.people[m] for m in members]
        room, _, _ = Do(self.services).create(self.as_(owner), kind, ids, name=None if kind == "dm" else "room",
                                                private=private)
        return room.id

    def send(self, author: str, room_id, body: str, **options):
        return Do(self.services).send(self.as_(author), room_id, body, **options).message.id

    def view(self, name: str) -> StoredVersion:
        store = self.read_models.read_store
        projector = next(p for p in PROJECTORS if p.name == name)
        return store.open(name, store.active_version(name), projector.collections)

    def close(self) -> None:
        self.read_models.close()
        self.services.close()


def everything(view: StoredVersion, collections) -> dict[str, dict[str, dict]]:
    """Every document of a version, by collection and id: for field-by-field comparisons."""
    return {spec.name: {doc["_id"]: doc for doc in view.find(spec.name, {})} for spec in collections}
