"""The command writer: queued commands share one transaction, yet each gets its own answer."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from hubbub.adapters.bootstrap import bootstrap
from hubbub.adapters.settings import Settings
from hubbub.application.commands import SendMessage
from hubbub.application.context import CommandContext
from hubbub.application.errors import ConcurrentUpdate, IdempotencyKeyReused
from hubbub.application.staged import Staged
from hubbub.application.writer import WriterClosed
from hubbub.domain.message import Message
from hubbub.domain.room import NotAMember, Room
from tests.contract.fakes import PlainHasher
from tests.commanding import Do


def services_on(url: str, data_dir) -> object:
    return bootstrap(Settings(event_store_url=url, data_dir=str(data_dir)), hasher=PlainHasher())


@pytest.fixture
def services(tmp_path):
    services = services_on("memory://", tmp_path)
    yield services
    services.close()


@pytest.fixture
def ann_in_room(services):
    ann, _ = Do(services).register("ann", "long enough pw")
    bob, _ = Do(services).register("bob", "long enough pw")
    as_ann = CommandContext(actor_id=ann.id)
    room, _, _ = Do(services).create(as_ann, "group", [bob.id], name="general")
    return as_ann, CommandContext(actor_id=bob.id), room


class Transactions:
    """Counts the writer's appends: one call of insert_events is one transaction."""

    def __init__(self, recorder, fail_with: Exception | None = None):
        self.sizes: list[int] = []
        self.fail_with = fail_with
        self._insert = recorder.insert_events
        recorder.insert_events = self

    def __call__(self, events, **kwargs):
        if self.fail_with is not None:
            raise self.fail_with
        self.sizes.append(len(events))
        return self._insert(events, **kwargs)


def holding_the_writer(services):
    """Occupy the writer thread until the returned event is set, so that commands queue up."""
    entered, release = threading.Event(), threading.Event()

    def gate(_load):
        entered.set()
        release.wait(10)
        return Staged.answered(CommandContext.system(), "gate")

    pool = ThreadPoolExecutor(max_workers=1)
    pool.submit(services.commands._writer.call, gate)
    assert entered.wait(5)
    return release, pool


def queued(services, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(services.commands._writer._queue) < count:
        assert time.monotonic() < deadline, "commands did not queue"
        time.sleep(0.001)


def test_commands_queued_together_share_one_transaction(services, ann_in_room):
    as_ann, as_bob, room = ann_in_room
    transactions = Transactions(services.app.recorder)
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=10) as pool:
        sends = [pool.submit(Do(services).send, as_ann if n % 2 else as_bob, room.id, f"hello {n}")
                 for n in range(10)]
        queued(services, 10)
        release.set()
        positions = sorted(future.result(5).position for future in sends)
    gate.shutdown()
    assert transactions.sizes == [10]
    assert positions == list(range(positions[0], positions[0] + 10))  # each its own position
    bodies = {services.app.load(Message, future.result().message.id).body for future in sends}
    assert bodies == {f"hello {n}" for n in range(10)}


def test_changes_to_one_record_in_one_batch_are_decided_in_turn_and_share_its_transaction(services, ann_in_room):
    as_ann, _, room = ann_in_room
    message = Do(services).send(as_ann, room.id, "draft").message
    transactions = Transactions(services.app.recorder)
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=2) as pool:
        edit = pool.submit(Do(services).edit, as_ann, room.id, message.id, "final")
        react = pool.submit(Do(services).add_reaction, as_ann, room.id, message.id, "👍")
        queued(services, 2)
        release.set()
        edited, reacted = edit.result(5)[0], react.result(5)[0]
    gate.shutdown()
    stored = services.app.load(Message, message.id)
    assert (stored.body, stored.version) == ("final", 3)
    assert {edited.version, reacted.version} == {2, 3}
    assert transactions.sizes == [2]  # the later one saw the earlier one's change: no race, no retry


def test_a_replayed_send_in_the_same_batch_answers_with_the_original(services, ann_in_room):
    as_ann, _, room = ann_in_room
    transactions = Transactions(services.app.recorder)
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=2) as pool:
        sends = [pool.submit(Do(services).send, as_ann, room.id, "once", "key-1") for _ in range(2)]
        queued(services, 2)
        release.set()
        first, second = (future.result(5) for future in sends)
    gate.shutdown()
    assert sorted([first.created, second.created]) == [False, True]
    assert first.message.id == second.message.id
    assert sum(transactions.sizes) == 1  # one message event, appended once


def test_a_reused_key_with_another_body_is_refused_even_within_one_batch(services, ann_in_room):
    as_ann, _, room = ann_in_room
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(Do(services).send, as_ann, room.id, "one body", "key-2")
        queued(services, 1)
        second = pool.submit(Do(services).send, as_ann, room.id, "another body", "key-2")
        queued(services, 2)
        release.set()
        assert first.result(5).created
        with pytest.raises(IdempotencyKeyReused):
            second.result(5)
    gate.shutdown()


def test_a_refused_command_fails_alone(services, ann_in_room):
    as_ann, _, room = ann_in_room
    stranger, _ = Do(services).register("cat", "long enough pw")
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=2) as pool:
        refused = pool.submit(Do(services).send, CommandContext(actor_id=stranger.id), room.id, "let me in")
        queued(services, 1)
        kept = pool.submit(Do(services).send, as_ann, room.id, "hello")
        queued(services, 2)
        release.set()
        with pytest.raises(NotAMember):
            refused.result(5)
        assert kept.result(5).created
    gate.shutdown()


def test_a_failed_transaction_fails_each_of_its_commands_and_the_writer_goes_on(services, ann_in_room):
    as_ann, _, room = ann_in_room
    transactions = Transactions(services.app.recorder, fail_with=OperationalError("disk I/O error"))
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=3) as pool:
        sends = [pool.submit(Do(services).send, as_ann, room.id, f"lost {n}") for n in range(3)]
        queued(services, 3)
        release.set()
        for future in sends:
            with pytest.raises(OperationalError, match="disk I/O error"):
                future.result(5)
    gate.shutdown()
    transactions.fail_with = None
    assert Do(services).send(as_ann, room.id, "after the outage").created
    assert transactions.sizes == [1]


def test_a_command_that_never_wins_its_race_gives_up(services, ann_in_room, monkeypatch):
    as_ann, _, room = ann_in_room
    message = Do(services).send(as_ann, room.id, "contended").message

    def always_lose(jobs, failed):
        return list(jobs)

    monkeypatch.setattr(services.commands._writer, "_append", always_lose)
    with pytest.raises(ConcurrentUpdate):
        Do(services).edit(as_ann, room.id, message.id, "never")


def test_the_cache_follows_what_another_writer_appends(tmp_path):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    here, elsewhere = services_on(url, tmp_path / "here"), services_on(url, tmp_path / "elsewhere")
    try:
        ann, _ = Do(here).register("ann", "long enough pw")
        bob, _ = Do(here).register("bob", "long enough pw")
        as_ann, as_bob = CommandContext(actor_id=ann.id), CommandContext(actor_id=bob.id)
        room, _, _ = Do(here).create(as_ann, "group", [bob.id], name="general")
        Do(here).send(as_bob, room.id, "bob is in")  # the room is now in this writer's cache
        Do(elsewhere).remove_member(as_ann, room.id, bob.id)
        with pytest.raises(NotAMember):
            Do(here).send(as_bob, room.id, "bob is out")
    finally:
        here.close()
        elsewhere.close()


def test_async_callers_get_their_own_answers_in_batches(services, ann_in_room):
    as_ann, _, room = ann_in_room

    async def send_many():
        return await asyncio.gather(*(
            services.commands.submit(SendMessage(room.id, f"async {n}"), as_ann) for n in range(50)
        ))

    sent = asyncio.run(send_many())
    assert len({s.position for s in sent}) == 50
    assert services.commands.stats()[0] < 50  # they were batched, not committed one by one


def test_close_finishes_what_is_queued_then_refuses_more(services, ann_in_room):
    as_ann, _, room = ann_in_room
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=1) as pool:
        queued_send = pool.submit(Do(services).send, as_ann, room.id, "last one")
        queued(services, 1)
        closing = threading.Thread(target=services.commands._writer.close)
        closing.start()
        release.set()
        closing.join(5)
        assert queued_send.result(5).created
    gate.shutdown()
    with pytest.raises(WriterClosed):
        Do(services).send(as_ann, room.id, "too late")


def test_the_writer_snapshots_at_the_interval_as_save_does(services, ann_in_room):
    as_ann, _, room = ann_in_room
    interval = services.app.snapshotting_intervals[Room]

    def toggle_mute(ws):
        changed = ws.load(Room, room.id)
        changed.set_muted(as_ann.actor_id, not changed.is_muted_by(as_ann.actor_id))
        return Staged(as_ann, (changed,), lambda position: changed.version)

    versions = [services.commands._writer.call(toggle_mute) for _ in range(interval - room.version)]
    assert versions[-1] == interval
    snapshots = list(services.app.snapshots.get(room.id))
    assert [snapshot.originator_version for snapshot in snapshots] == [interval]
    assert services.app.load(Room, room.id).version == interval


def test_a_replay_after_losing_membership_still_gets_the_original(services, ann_in_room):
    as_ann, as_bob, room = ann_in_room
    first = Do(services).send(as_bob, room.id, "sent before removal", "key-3")
    Do(services).remove_member(as_ann, room.id, as_bob.actor_id)
    again = Do(services).send(as_bob, room.id, "sent before removal", "key-3")
    assert (again.created, again.message.id) == (False, first.message.id)
    with pytest.raises(NotAMember):  # a new key is refused as the removal says, not as "not found"
        Do(services).send(as_bob, room.id, "sent after removal", "key-4")


def test_a_command_that_read_a_change_which_failed_to_append_is_decided_again_after_it(services, ann_in_room):
    as_ann, _, room = ann_in_room
    message = Do(services).send(as_ann, room.id, "draft").message
    recorder = services.app.recorder
    insert, lost_once = recorder.insert_events, []

    def another_process_wins_the_edit_once(events, **kwargs):
        # Twice: the batch's transaction, then the edit appended alone to find the culprit.
        if len(lost_once) < 2 and any(e.originator_id == message.id for e in events):
            lost_once.append(True)
            raise IntegrityError("another process appended this version first")
        return insert(events, **kwargs)

    recorder.insert_events = another_process_wins_the_edit_once
    release, gate = holding_the_writer(services)
    with ThreadPoolExecutor(max_workers=2) as pool:
        edit = pool.submit(Do(services).edit, as_ann, room.id, message.id, "final")
        queued(services, 1)
        pin = pool.submit(Do(services).pin, as_ann, room.id, message.id)  # reads the staged edit's message
        queued(services, 2)
        release.set()
        edited_at, pinned_at = edit.result(5)[1], pin.result(5)
    gate.shutdown()
    assert lost_once and pinned_at > edited_at  # the pin waited for the change it read
