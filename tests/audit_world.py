"""An application on a real event store with a few users, a room and messages, and its audit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hubbub.adapters.audit.bootstrap import open_audit
from hubbub.adapters.audit.inspector import AuditInspector
from hubbub.adapters.bootstrap import bootstrap
from hubbub.adapters.readstore.sqlite_store import SQLiteReadStore
from hubbub.adapters.settings import Settings
from hubbub.application.context import CommandContext
from hubbub.application.services import Services
from hubbub.projections.store import ReadStore
from tests.contract.fakes import PlainHasher


@dataclass
class AuditWorld:
    settings: Settings
    services: Services
    read_store: ReadStore
    audit: AuditInspector

    def close(self) -> None:
        self.read_store.close()
        self.services.close()


def audit_world(url: str, data_dir: Path, read_store: ReadStore | None = None, **settings: object) -> AuditWorld:
    values = Settings(event_store_url=url, data_dir=str(data_dir), **settings)
    services = bootstrap(values, hasher=PlainHasher())
    read_store = read_store or SQLiteReadStore(data_dir / "readmodels")
    return AuditWorld(values, services, read_store, open_audit(values, services.app, read_store))


def chat(services: Services, messages: int = 5) -> dict:
    """ann and bob in a room; ann sends `messages` messages through one request, then edits one."""
    ann, _ = services.accounts.register("ann", "correct horse battery")
    bob, _ = services.accounts.register("bob", "correct horse battery")
    as_ann = CommandContext(actor_id=ann.id, correlation_id="req-ann-1", causation_id="req-ann-1")
    room, _, _ = services.rooms.create(as_ann, "group", [bob.id], name="plans")
    sent = [services.messages.send(as_ann, room.id, f"message {n}") for n in range(messages)]
    as_bob = CommandContext(actor_id=bob.id, correlation_id="req-bob-1")
    services.messages.edit(CommandContext(actor_id=ann.id, correlation_id="req-ann-2"), room.id, sent[0].message.id, "edited")
    return {"ann": ann.id, "bob": bob.id, "room": room.id, "sent": sent, "as_bob": as_bob}
