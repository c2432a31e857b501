"""Kill the projectors anywhere (mid-fold, mid-commit, just after a commit), restart them from
what was stored, again and again: the read models end equal to a clean rebuild."""

from __future__ import annotations

import random

import pytest

from hubbub.adapters.readstore.sqlite_version import SQLiteVersion
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.pump import replay, replay_round
from hubbub.projections.registry import PROJECTORS
from hubbub.projections.runtime import follower as follower_module
from hubbub.projections.runtime.follower import ProjectorFollower

from .workload import Workload, random_script
from .world import everything


class Crash(BaseException):
    """The process died here (a BaseException, so no projector error handling catches it)."""


class CrashingVersion(SQLiteVersion):
    def __init__(self, path, specs, rng: random.Random, rate: float):
        super().__init__(path, specs)
        self.rng, self.rate = rng, rate

    def maybe_crash(self) -> None:
        if self.rng.random() < self.rate:
            raise Crash()

    def load(self, collection, ids):
        self.maybe_crash()  # in the middle of folding a batch
        return super().load(collection, ids)

    def commit(self, writes, expected, position):
        self.maybe_crash()
        super().commit(writes, expected, position)
        self.maybe_crash()  # committed, but the follower never hears of it

    def _write_collection(self, conn, collection, docs):
        self.maybe_crash()  # half of the batch written inside the open transaction
        super()._write_collection(conn, collection, docs)


class CrashingFollower(ProjectorFollower):
    def __init__(self, projector, store, version, rng: random.Random, rate: float):
        super().__init__(projector, store, version)
        self.rng, self.rate = rng, rate

    def apply(self, notification, event, metadata=None):
        if self.rng.random() < self.rate:
            raise Crash()
        super().apply(notification, event, metadata)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_projectors_resume_without_skipping_or_double_counting(world, tmp_path, seed, monkeypatch):
    monkeypatch.setattr(follower_module, "COMMIT_EVERY_S", 0.0)  # commit after every (randomly sized) round
    rng = random.Random(seed)
    workload = Workload(world)
    for command in random_script(rng, 150):
        workload.play(command)
    log = EventLog(world.services.app)

    crashy = {p.name: CrashingVersion(tmp_path / f"{p.name}.crashy.sqlite3", p.collections, rng, 0.05)
              for p in PROJECTORS}
    crashes = run_until_done(log, crashy, rng)

    clean = {p.name: SQLiteVersion(tmp_path / f"{p.name}.clean.sqlite3", p.collections) for p in PROJECTORS}
    replay(log, [ProjectorFollower(p, clean[p.name], 1) for p in PROJECTORS])
    assert crashes >= 10
    for projector in PROJECTORS:
        assert crashy[projector.name].position() == clean[projector.name].position() == log.head()
        assert everything(crashy[projector.name], projector.collections) == everything(
            clean[projector.name], projector.collections), projector.name


def run_until_done(log: EventLog, stores: dict, rng: random.Random) -> int:
    crashes = 0
    while True:
        # A restart: nothing survives but what the stores committed.
        followers = [CrashingFollower(p, stores[p.name], 1, rng, 0.02) for p in PROJECTORS]
        try:
            while replay_round(log, followers, batch_size=rng.randint(1, 60)):
                pass
            return crashes
        except Crash:
            crashes += 1
