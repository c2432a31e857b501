"""A log consumer gets each event it asks for exactly once, in log order, wherever a batch ends,
whichever topics it takes, and however often it fails before applying a batch (it is handed
the same events again from its committed position)."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.projections import topics as t
from hubbub.projections.runtime.consumer import ConsumerFollower, LoggedEvent, PositionedConsumer
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.pump import finish, replay_round
from hubbub.projections.store import PositionConflict

from .workload import Workload, random_script
from .world import World

TOPICS = (t.ROOM_CREATED, t.MESSAGE_SENT, t.MESSAGE_EDITED, t.REACTION_ADDED, t.READ_MARKER_ADVANCED)


class MemoryPositions:
    def __init__(self):
        self.stored: dict[str, int] = {}

    def position(self, name: str) -> int:
        return self.stored.get(name, 0)

    def commit(self, name: str, expected: int, position: int) -> None:
        if self.position(name) != expected:
            raise PositionConflict(name)
        self.stored[name] = position


class Flaky(PositionedConsumer):
    """Fails, before applying anything, whenever its script says so."""

    name = "flaky"

    def __init__(self, positions, topics: tuple[str, ...], failures: list[bool]):
        super().__init__(positions)
        self.topics, self.failures = topics, failures
        self.applied: list[LoggedEvent] = []

    def handle(self, events: Sequence[LoggedEvent]) -> None:
        if self.failures and self.failures.pop():
            raise ConnectionError("the broker is away")
        self.applied.extend(events)


@pytest.fixture(scope="module")
def log():
    with tempfile.TemporaryDirectory() as directory:
        world = World(Path(directory))
        workload = Workload(world)
        for command in random_script(random.Random(7), 120):
            workload.play(command)
        yield EventLog(world.services.app)
        world.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topics=st.sets(st.sampled_from(TOPICS)).map(tuple), batch_sizes=st.lists(st.integers(1, 40), min_size=1),
       failures=st.lists(st.booleans()))
def test_each_event_exactly_once_in_log_order(log, topics, batch_sizes, failures):
    consumer = Flaky(MemoryPositions(), topics, list(failures))
    follower, rounds = ConsumerFollower(consumer), 0
    while follower.committed < log.head():
        if not replay_round(log, [follower], batch_size=batch_sizes[rounds % len(batch_sizes)]):
            finish([follower])  # what replay() does when a round finds nothing left
        follower.retry_at = 0.0  # no backoff in a test
        rounds += 1
        assert rounds < 10_000
    wanted = [n for n in log.read(after=0, stop=log.head(), limit=100_000) if not topics or n.topic in topics]
    assert [(e.position, e.topic) for e in consumer.applied] == [(n.id, n.topic) for n in wanted]
    assert consumer.committed_position() == log.head()
