"""The projection lock: one holder per read store directory, freed when the holder lets go."""

from __future__ import annotations

import os

from hubbub.adapters.projection_lease import MongoLease
from hubbub.adapters.projection_lock import ProjectionLock, projection_lock
from tests.e2e.conftest import e2e_settings


def test_one_holder_at_a_time(tmp_path):
    path = tmp_path / "readmodels" / "projections.lock"
    first, second = ProjectionLock(path), ProjectionLock(path)
    assert first.try_acquire() and first.held
    assert not second.try_acquire() and not second.held
    assert second.holder() == f"process {os.getpid()} holds {path}"
    assert first.try_acquire() and first.renew()  # already held: still ours
    assert not second.renew()
    first.release()
    assert second.try_acquire()
    second.release()


def test_a_mongodb_read_store_is_locked_by_a_lease_in_its_database(tmp_path):
    lease = projection_lock(e2e_settings(tmp_path, read_store_url="mongodb://db.invalid/chat"))
    assert isinstance(lease, MongoLease)
    assert lease._leases.full_name == "chat.rm.leases"
    lease.release()  # closes its client; it never connected
    assert isinstance(projection_lock(e2e_settings(tmp_path)), ProjectionLock)
