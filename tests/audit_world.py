"""An application on a real event store with a few users, a room and messages, and its audit:
the audit consumers run as the background host runs them (a supervisor following the log)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from hubbub.adapters.audit.bootstrap import audit_consumers, open_audit
from hubbub.adapters.audit.inspector import AuditInspector
from hubbub.adapters.bootstrap import bootstrap
from hubbub.adapters.readstore.sqlite_store import SQLiteReadStore
from hubbub.adapters.settings import Settings
from hubbub.application.app import Hubbub
from hubbub.application.context import CommandContext
from hubbub.application.services import Services
from hubbub.application.threads import Executors
from hubbub.projections.runtime.consumer import ConsumerFollower, LogConsumer
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.pump import replay
from hubbub.projections.runtime.supervisor import Supervisor
from hubbub.projections.store import ReadStore
from tests.commanding import Do
from tests.contract.fakes import PlainHasher

T = TypeVar("T")


@dataclass
class AuditWorld:
    settings: Settings
    services: Services
    read_store: ReadStore
    executors: Executors
    audit: AuditInspector
    host: Supervisor

    def ask(self, question: Awaitable[T]) -> T:
        self._following()
        return asyncio.run(question)

    def caught_up(self) -> int:
        """The log's head, once the audit consumers have consumed it."""
        self._following()
        head = self.services.app.head()
        self.host.wait_for(head, timeout=30)
        return head

    def _following(self) -> None:
        """Started at the first question: what was written before is consumed in one replay."""
        if not self.host.running:
            self.host.start()

    def close(self) -> None:
        self.host.stop()
        self.executors.close()
        self.read_store.close()
        self.services.close()


def audit_world(url: str, data_dir: Path, read_store: ReadStore | None = None, **settings: object) -> AuditWorld:
    values = Settings(event_store_url=url, data_dir=str(data_dir), **settings)
    executors = Executors()
    services = bootstrap(values, hasher=PlainHasher(), executor=executors.blocking)
    read_store = read_store or SQLiteReadStore(data_dir / "readmodels")
    host = Supervisor(EventLog(services.app), read_store, [], audit_consumers(values, read_store))
    audit = open_audit(values, services, executors, read_store)
    return AuditWorld(values, services, read_store, executors, audit, host)


def feed(app: Hubbub, consumers: Sequence[LogConsumer]) -> int:
    """Bring consumers up to the log's head in this thread, as the background host would; the head."""
    log = EventLog(app)
    replay(log, [ConsumerFollower(consumer) for consumer in consumers])
    return log.head()


def chat(services: Services, messages: int = 5) -> dict[str, Any]:
    """ann and bob in a room; ann sends `messages` messages through one request, then edits one."""
    do = Do(services)
    ann, _ = do.register("ann", "correct horse battery")
    bob, _ = do.register("bob", "correct horse battery")
    as_ann = CommandContext(actor_id=ann.id, correlation_id="req-ann-1", causation_id="req-ann-1")
    room, _, _ = do.create(as_ann, "group", [bob.id], name="plans")
    sent = [do.send(as_ann, room.id, f"message {n}") for n in range(messages)]
    as_bob = CommandContext(actor_id=bob.id, correlation_id="req-bob-1")
    do.edit(CommandContext(actor_id=ann.id, correlation_id="req-ann-2"), room.id, sent[0].message.id, "edited")
    return {"ann": ann.id, "bob": bob.id, "room": room.id, "sent": sent, "as_bob": as_bob}
