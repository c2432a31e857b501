"""Digests: windows by event time, the max-wait ceiling, quiet hours, and a crash-safe engine."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime

from hubbub.adapters.notifications.engine import DigestEngine
from hubbub.adapters.notifications.outbox import Outbox
from hubbub.application.digests import Digests, Item, Prefs

from .fakes import FakeClock

LoggedEvent = namedtuple("LoggedEvent", "position topic originator_id originator_version event metadata")
MENTION = "hubbub.domain.message:Message.Sent"
T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC).timestamp()


def item(n: int, at: float, user: str = "ann", transactional: bool = False) -> Item:
    return Item(f"{user}-n{n}", user, position=n, at=at, transactional=transactional, fields={"kind": "mention"})


def test_20_mentions_in_30_s_with_a_30_s_window_make_one_digest_of_20():
    digests, prefs = Digests(), Prefs(digest_window_s=30)
    for n in range(20):
        digests.add(item(n + 1, T0 + n * 1.5), prefs)
    assert digests.due(T0 + 29.9) == []
    [digest] = digests.due(T0 + 30)
    assert len(digest.items) == 20 and digest.due_at == T0 + 30


def test_a_zero_window_sends_each_at_once_and_the_ceiling_caps_a_long_window():
    at_once, capped = Digests(), Digests()
    for n in range(3):
        at_once.add(item(n, T0 + n), Prefs(digest_window_s=0))
        capped.add(item(n, T0 + n * 20), Prefs(digest_window_s=600, max_wait_s=60))
    assert [len(d.items) for d in at_once.due(T0 + 2)] == [1, 1, 1]
    assert [len(d.items) for d in capped.due(T0 + 60)] == [3]


def test_quiet_hours_hold_a_digest_until_they_end_but_not_a_transactional_one():
    quiet = Prefs(digest_window_s=10, quiet_hours={"start": "11:00", "end": "13:30", "tz": "Europe/Paris"})
    digests = Digests()  # 12:00 UTC is 13:00 in Paris: quiet until 13:30 there, 12:30 UTC
    digests.add(item(1, T0), quiet)
    digests.add(item(2, T0 + 600), quiet)
    digests.add(item(3, T0 + 700, transactional=True), quiet)
    assert [d.items[0].notification_id for d in digests.due(T0 + 1000)] == ["ann-n3"]
    [held] = digests.due(T0 + 1800)
    assert [i.notification_id for i in held.items] == ["ann-n1", "ann-n2"]


def test_a_digest_id_depends_on_the_user_and_its_first_notification_only():
    one, two = Digests(), Digests()
    for digests in (one, two):
        digests.add(item(1, T0), Prefs(digest_window_s=5))
    assert one.due(T0 + 5)[0].digest_id == two.due(T0 + 9)[0].digest_id


class ListedSource:
    """Each event's `event` is the list of items it notified."""

    stored = 10**9  # how far the inbox has stored the log

    def processed_position(self):
        return self.stored

    def items(self, logged):
        return iter(logged.event)


def engine(tmp_path, clock) -> tuple[DigestEngine, list]:
    handed = []
    outbox = Outbox(tmp_path / "notifications.sqlite3")
    return DigestEngine(outbox, ListedSource(), lambda user: {"digest_window_s": 30}, clock, handed.extend), handed


def events(n: int, gap: float, users=("ann", "bob")) -> list[LoggedEvent]:
    return [LoggedEvent(p, MENTION, None, 1, [item(p, T0 + p * gap, user=u) for u in users], {})
            for p in range(1, n + 1)]


def test_a_restarted_engine_sends_what_was_due_and_nothing_twice(tmp_path):
    clock = FakeClock(T0)
    first, handed = engine(tmp_path, clock)
    log = events(40, gap=1.0)
    first.consume(log[:35], up_to=35)
    clock.now = T0 + 31
    first.tick()  # the first digests (positions 1-30) are handed over; 31-35 still collecting
    assert [len(d.items) for d in handed] == [30, 30]
    assert first.committed_position() == 30
    restarted, handed_again = engine(tmp_path, clock)  # the process died here
    restarted.consume([e for e in log if e.position > restarted.committed_position()], up_to=40)
    clock.now = T0 + 100
    restarted.tick()
    assert [len(d.items) for d in handed_again] == [10, 10]
    ids = [i.notification_id for d in handed + handed_again for i in d.items]
    assert len(ids) == len(set(ids)) == 80
    stored = restarted.outbox.waiting()
    assert len(stored) == 4 and sum(len(d["items"]) for d in stored) == 80


def test_events_read_twice_in_one_process_are_not_collected_twice(tmp_path):
    clock = FakeClock(T0)
    one, handed = engine(tmp_path, clock)
    log = events(5, gap=1.0, users=("ann",))
    one.consume(log, up_to=5)
    one.consume(log, up_to=5)
    clock.now = T0 + 60
    one.tick()
    assert [len(d.items) for d in handed] == [5]


def test_events_the_inbox_has_not_stored_wait_and_are_not_counted_as_read(tmp_path):
    clock = FakeClock(T0)
    one, handed = engine(tmp_path, clock)
    one.source.stored = 3  # the host handed events over before the inbox committed them
    one.consume(events(5, gap=0.0, users=("ann",)), up_to=7)
    clock.now = T0 + 60
    one.tick()
    assert [len(d.items) for d in handed] == [3] and one.committed_position() == 3
    one.source.stored = 7
    one.tick()
    assert [len(d.items) for d in handed] == [3, 2] and one.committed_position() == 7
