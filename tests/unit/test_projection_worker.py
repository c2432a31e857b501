"""The projection child's worker: it projects while it holds its lock, stops when it loses it,
and starts afresh (from the stored positions) when it gets it back."""

from __future__ import annotations


from hubbub.adapters.projection_process import ProjectionWorker
from tests.polling import wait_until
from tests.unit.projections.world import World


class SwitchedLock:
    def __init__(self):
        self.free = True
        self.ours = False
        self.released = False

    def try_acquire(self) -> bool:
        self.ours = self.ours or self.free
        return self.ours

    def renew(self) -> bool:
        return self.ours

    def holder(self) -> str:
        return "someone else"

    def release(self) -> None:
        self.released, self.ours = True, False


def test_projects_while_held_stands_by_when_lost_and_resumes_from_the_stored_position(tmp_path):
    world = World(tmp_path, event_store_url=f"sqlite:///{tmp_path / 'events.sqlite3'}")
    lock, room = SwitchedLock(), world.room("ann", "bob")
    worker = ProjectionWorker(world.services, world.read_models.read_store, lock)
    try:
        worker.start_when_free()
        first = worker.supervisor
        world.send("ann", room, "one")
        wait_until(lambda: first.processed_position() == world.services.app.recorder.max_notification_id(), 10)

        lock.free = lock.ours = False  # another worker took it over
        worker.keep_or_yield()
        assert not worker.started and not first.running
        assert {s.state for s in worker.statuses()} == {"standby"}
        world.send("ann", room, "two")
        worker.start_when_free()
        assert not worker.started

        lock.free = True
        worker.keep_or_yield()
        worker.start_when_free()
        assert worker.supervisor is not first and worker.supervisor.running
        head = world.services.app.recorder.max_notification_id()
        wait_until(lambda: worker.supervisor.processed_position() == head, 10)
        items = world.view("timeline").find("messages", {"room_id": str(room)})
        assert sorted(item["body"] for item in items) == ["one", "two"]
    finally:
        worker.stop(5)
        world.close()
    assert lock.released
