"""The export reads the log a batch at a time: what it holds does not grow with the log."""

from __future__ import annotations

import json

from hubbub.adapters.audit import inspector as inspector_module
from hubbub.adapters.audit.bootstrap import open_audit
from hubbub.adapters.readstore.sqlite_store import SQLiteReadStore
from hubbub.adapters.settings import Settings
from hubbub.application.app import Hubbub
from hubbub.application.services import Services
from hubbub.application.threads import Executors
from hubbub.application.context import CommandContext
from hubbub.domain.audit import AuditAccess
from tests.contract.fakes import PlainHasher


def test_export_is_lazy_and_resumable(tmp_path, monkeypatch):
    monkeypatch.setattr(inspector_module, "EXPORT_BATCH", 10)
    app = Hubbub(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    context = CommandContext.system()
    app.save(*[AuditAccess.record(context.actor_id, "seed", str(n)) for n in range(35)])
    store = SQLiteReadStore(tmp_path / "rm")
    executors = Executors()
    audit = open_audit(Settings(data_dir=str(tmp_path)), Services.build(app, PlainHasher()), executors, store)
    reads = []
    select = app.recorder.select_notifications
    monkeypatch.setattr(app.recorder, "select_notifications", lambda **kw: reads.append(kw) or select(**kw))
    chunks = audit.export_lines(after_position=0)
    first = next(chunks)
    assert len(reads) == 1 and first.count(b"\n") == 10
    rest = b"".join(chunks)
    positions = [json.loads(line)["position"] for line in (first + rest).splitlines()]
    assert positions == list(range(1, 36)) and len(reads) == 5  # 4 batches and the empty read that ends it
    resumed = b"".join(audit.export_lines(after_position=30)).splitlines()
    assert [json.loads(line)["position"] for line in resumed] == [31, 32, 33, 34, 35]
    store.close()
    executors.close()
