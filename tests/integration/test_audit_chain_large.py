"""An untouched store of 100,000 events, written the fast way (bench/synthetic_log.py), verifies clean."""

from __future__ import annotations

from bench.synthetic_log import SyntheticLog
from hubbub.adapters.audit.bootstrap import audit_consumers
from tests.audit_world import audit_world, feed

EVENTS = 100_000


def test_a_hundred_thousand_events_verify_clean(tmp_path):
    world = audit_world(f"sqlite:///{tmp_path / 'events.sqlite3'}", tmp_path, audit_checkpoint_every_events=10_000)
    try:
        head = SyntheticLog(world.services.app, EVENTS, rooms=200, users=1_000).write()
        feed(world.services.app, audit_consumers(world.settings, world.read_store))
        report = world.audit.verifier.verify()
        assert (report.ok, report.checked, report.head) == (True, EVENTS, head)
    finally:
        world.close()
