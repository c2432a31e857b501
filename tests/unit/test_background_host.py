"""The background host: it runs the consumers while it holds the lease, stops when it loses it,
starts afresh (from the stored positions) when it gets it back, and rides out an unreachable
store only while its last confirmed beat still covers it."""

from __future__ import annotations

from hubbub.adapters.background.consumers import background_host
from tests.polling import wait_until
from tests.unit.projections.world import World


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class SwitchedLease:
    """Granted while `free`, or to the owner it was granted to; raises `failing` when set."""

    ttl_s = 30.0

    def __init__(self):
        self.free, self.owner, self.failing = True, None, None
        self.beats, self.released = [], []

    def beat(self, owner, consumers):
        if self.failing:
            raise self.failing
        if self.free or self.owner == owner:
            self.owner, self.free = owner, False
            self.beats.append({s.name: s.state for s in consumers})
            return True
        return False

    def release(self, owner):
        self.released.append(owner)

    def record(self):
        return None


def host_on(world, lease, clock=None):
    host = background_host(world.settings, world.services, world.read_models.read_store)
    host.lease = lease
    if clock is not None:
        host._clock = clock
    return host


def test_runs_while_held_stands_by_when_lost_and_resumes_from_the_stored_position(tmp_path):
    world = World(tmp_path, event_store_url=f"sqlite:///{tmp_path / 'events.sqlite3'}")
    lease, room = SwitchedLease(), world.room("ann", "bob")
    host = host_on(world, lease)
    try:
        host.tick()
        first = host.supervisor
        assert host.held and first.running
        world.send("ann", room, "one")
        wait_until(lambda: first.processed_position() == world.services.app.head(), 10)
        host.tick()
        assert set(lease.beats[-1].values()) == {"running"}  # each beat carries every consumer's state

        lease.owner = "someone else"  # another host took it over
        host.tick()
        assert not host.held and not host.started and not first.running
        assert {s.state for s in host.statuses()} == {"standby"}
        world.send("ann", room, "two")
        host.tick()
        assert not host.started

        lease.free = True
        host.tick()
        assert host.supervisor is not first and host.supervisor.running
        head = world.services.app.head()
        wait_until(lambda: host.supervisor.processed_position() == head, 10)
        items = world.view("timeline").find("messages", {"room_id": str(room)})
        assert sorted(item["body"] for item in items) == ["one", "two"]
    finally:
        host.stop(5)
        world.close()
    assert lease.released == [host.owner]


def test_an_unreachable_store_is_ridden_out_only_while_the_last_beat_covers_it(tmp_path):
    world, lease, clock = World(tmp_path), SwitchedLease(), Clock()
    host = host_on(world, lease, clock)
    try:
        host.tick()
        assert host.started
        lease.failing = ConnectionError("primary stepped down")
        clock.now += 29
        host.tick()
        assert host.held and host.started
        clock.now += 1
        host.tick()
        assert not host.held and not host.started
    finally:
        host.stop(5)
        world.close()
    assert lease.released == []  # it did not hold the lease any more: nothing to give up


def test_the_first_beat_reports_every_consumer_starting(tmp_path):
    world, lease = World(tmp_path), SwitchedLease()
    host = host_on(world, lease)
    try:
        host.tick()
        assert set(lease.beats[0]) == {"rooms", "timeline", "search", "analytics", "inbox", "feed", "digests",
                                       "audit_index", "audit_chain"}
        assert set(lease.beats[0].values()) == {"starting"}
    finally:
        host.stop(5)
        world.close()
