"""Projections over a real event store: live following, restarts, rebuilds, and kill -9.

ProjectionsSuite runs on every backend; subclasses set only `backend`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from hubbub.projections.registry import PROJECTORS
from tests.backends import event_store_url
from tests.commanding import Do
from tests.unit.projections.workload import Workload, random_script
from tests.unit.projections.world import World, everything

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import random, sys
from hubbub.adapters.bootstrap import bootstrap, bootstrap_read_models
from hubbub.adapters.settings import Settings
from hubbub.projections.runtime import follower
from hubbub.projections.runtime.pump import replay_round
follower.COMMIT_EVERY_S = 0.0  # commit every round, so that kills land before, in and after commits
settings = Settings(event_store_url=sys.argv[1], data_dir=sys.argv[2], projections="thread")
models = bootstrap_read_models(settings, bootstrap(settings), start=False)
supervisor = models.progress.host.new_supervisor()
supervisor.open_followers()
rng = random.Random(int(sys.argv[3]))
print("ready", flush=True)
while replay_round(supervisor.log, supervisor.followers, batch_size=rng.randint(2, 20)):
    pass
"""


class ProjectionsSuite:
    backend = "sqlite"
    workload_size = 1_000  # commands before the kill -9 test: enough for many commits to interrupt

    @pytest.fixture
    def url(self, tmp_path):
        with event_store_url(self.backend, tmp_path) as url:
            yield url

    @pytest.fixture
    def world(self, url, tmp_path):
        world = World(tmp_path / "live", event_store_url=url)
        yield world
        world.close()

    def test_projectors_follow_the_log_live(self, world):
        world.read_models.start()
        room = world.room("ann", "bob")
        for i in range(20):
            position = Do(world.services).send(world.as_("ann"), room, f"live {i} @bob").position
        world.read_models.wait_for(position, timeout=30)
        counts = world.read_models.unread(world.people["bob"], room)
        assert counts == {"unread": 20, "mentions": 20, "last_read_position": 0}
        assert world.read_models.messages(room, before=None, after=None, limit=1)["items"][0]["body"] == "live 19 @bob"

    def test_a_restart_resumes_from_the_stored_positions(self, world, url, tmp_path):
        world.read_models.start()
        room = world.room("ann", "bob")
        first = Do(world.services).send(world.as_("ann"), room, "before the restart").position
        world.read_models.wait_for(first, timeout=30)
        world.read_models.close()
        Do(world.services).send(world.as_("ann"), room, "while stopped")
        restarted = World.reopen(tmp_path / "live", url)
        try:
            positions = {p.name: restarted.view(p.name).position() for p in PROJECTORS}
            assert all(position >= first for position in positions.values())  # no replay from zero
            models = restarted.catch_up()
            assert models.unread(world.people["bob"], room)["unread"] == 2
        finally:
            restarted.close()

    def test_a_rebuild_equals_the_live_read_models(self, world):
        world.read_models.start()
        workload = Workload(world)
        for command in random_script(random.Random(11), 150):
            workload.play(command)
        world.read_models.wait_for(world.services.app.head(), timeout=30)
        live = {p.name: everything(world.view(p.name), p.collections) for p in PROJECTORS}
        rebuild(EventLog(world.services.app), world.read_models.read_store, PROJECTORS, grace_s=0)
        assert {p.name: everything(world.view(p.name), p.collections) for p in PROJECTORS} == live

    def test_projectors_killed_with_sigkill_end_equal_to_a_clean_rebuild(self, world, url, tmp_path):
        workload = Workload(world)
        for command in random_script(random.Random(5), self.workload_size):
            workload.play(command)
        killed = tmp_path / "killed"
        kills = run_killing(url, killed, random.Random(3))
        clean = World.reopen(tmp_path / "clean", url)
        killed_world = World.reopen(killed, url)
        try:
            clean.catch_up()
            assert kills >= 3
            for projector in PROJECTORS:
                assert killed_world.view(projector.name).position() == clean.view(projector.name).position()
                assert everything(killed_world.view(projector.name), projector.collections) == everything(
                    clean.view(projector.name), projector.collections), projector.name
        finally:
            clean.close()
            killed_world.close()


def run_killing(url: str, data_dir: Path, rng: random.Random, attempts: int = 8) -> int:
    """Run the projectors in a child process, kill -9 it at random moments of its work a few
    times, then let one run finish; returns how many runs were killed."""
    work_s = _child(url, data_dir.with_name("calibration"), 0, kill_after=None)[1]
    kills = 0
    for run in range(1, attempts + 1):
        killed, _ = _child(url, data_dir, run, kill_after=rng.uniform(0.02, 0.6) * work_s)
        kills += killed
    assert _child(url, data_dir, 0, kill_after=None)[0] is False
    return kills


def _child(url: str, data_dir: Path, seed: int, kill_after: float | None) -> tuple[bool, float]:
    """(killed?, seconds of work after start-up)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(data_dir), str(seed)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    started = time.monotonic()
    try:
        child.wait(timeout=kill_after if kill_after is not None else 120)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        return True, kill_after
    assert child.returncode == 0
    return False, time.monotonic() - started


class TestProjectionsOnSQLite(ProjectionsSuite):
    backend = "sqlite"
