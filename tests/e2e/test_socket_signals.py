"""The live signals through the gateway, with real AsyncClients: typing, presence, read marks, digests."""

from __future__ import annotations

import asyncio
import time
from uuid import UUID

import msgspec
import pytest

from hubbub.adapters.gateway.schemas import SERVER_EVENTS, Done, ReadMarked
from hubbub.domain.ids import read_marker_id
from tests.e2e.sockets import Person, Socket, uvicorn_serving, uvicorn_serving_app
from tests.services import require_redis

GRACE_S = 5.0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with uvicorn_serving_app(tmp_path_factory.mktemp("signals")) as (url, app):
        yield url, app


@pytest.fixture
def base(served):
    return served[0]


async def live(base: str, person: Person) -> Socket:
    """A socket past its first sync: it follows its rooms from here."""
    socket = await Socket(base, person.token, since=0).connect()
    await socket.wait_event("sync:done")
    return socket


def fit(socket: Socket, event: str) -> None:
    """What the socket received of the event matches its documented struct (the AsyncAPI document's)."""
    for data in socket.named(event):
        msgspec.convert(data, SERVER_EVENTS[event])


def typing_of(socket: Socket, user: Person) -> list[bool]:
    return [d["typing"] for d in socket.named("typing") if d["user_id"] == user.user_id]


def presence_of(socket: Socket, user: Person) -> list[bool]:
    return [d["online"] for d in socket.named("presence") if d["user_id"] == user.user_id]


async def test_a_typing_session_is_two_events_at_the_other_member_and_none_at_the_typist(base):
    ann, bob, carol = Person(base, "ann"), Person(base, "bob"), Person(base, "carol")
    room = ann.room(bob)
    typist, reader, outsider = await live(base, ann), await live(base, bob), await live(base, carol)
    try:
        for _ in range(30):  # a keystroke every 100 ms for 3 s
            assert (await typist.call("typing:start", {"room_id": room})) == {"ok": True}
            await asyncio.sleep(0.1)
        assert typing_of(reader, ann) == [True]
        await reader.wait_for(lambda s: len(typing_of(s, ann)) == 2, timeout=5)
        await asyncio.sleep(1.0)
        assert typing_of(reader, ann) == [True, False]
        assert typist.named("typing") == [] and outsider.named("typing") == []
        fit(reader, "typing")
        refused = await outsider.call("typing:start", {"room_id": room})  # a private room stays unseen
        assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    finally:
        for socket in (typist, reader, outsider):
            await socket.close()


async def test_a_send_and_a_stop_each_end_the_typing_session(base):
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    typist, reader = await live(base, ann), await live(base, bob)
    try:
        await typist.call("typing:start", {"room_id": room})
        await reader.wait_for(lambda s: typing_of(s, ann) == [True])
        sent = await typist.call("message:send", {"room_id": room, "body": "done", "client_msg_id": "t1"})
        assert sent["ok"] is True
        await reader.wait_for(lambda s: typing_of(s, ann) == [True, False], timeout=1.0)  # well before 1.5 s of quiet
        await typist.call("typing:start", {"room_id": room})
        assert (await typist.call("typing:stop", {"room_id": room})) == {"ok": True}
        await reader.wait_for(lambda s: typing_of(s, ann) == [True, False, True, False], timeout=1.0)
    finally:
        await typist.close()
        await reader.close()


async def test_keystrokes_past_the_signal_limit_get_rate_limited_acks(base):
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    typist = await live(base, ann)
    try:
        acks = await asyncio.gather(*(typist.call("typing:start", {"room_id": room}) for _ in range(40)))
        limited = [a for a in acks if not a["ok"]]
        assert limited and all(a["error"]["code"] == "rate_limited" and a["error"]["retry_after_s"] >= 1
                               for a in limited)
    finally:
        await typist.close()


async def test_presence_online_then_offline_after_the_grace_and_a_quick_reconnect_says_nothing(base):
    ann, bob, carol = Person(base, "ann"), Person(base, "bob"), Person(base, "carol")
    ann.room(bob)
    watcher, outsider = await live(base, bob), await live(base, carol)
    try:
        ann_socket = await live(base, ann)
        await watcher.wait_for(lambda s: presence_of(s, ann) == [True])
        await ann_socket.close()
        left = time.monotonic()
        await watcher.wait_for(lambda s: presence_of(s, ann) == [True, False], timeout=GRACE_S + 10)
        assert GRACE_S - 0.5 <= time.monotonic() - left
        back = await live(base, ann)
        await watcher.wait_for(lambda s: presence_of(s, ann) == [True, False, True])
        await back.close()
        again = await live(base, ann)  # within the grace: nobody hears it went
        await asyncio.sleep(GRACE_S + 2)
        assert presence_of(watcher, ann) == [True, False, True]
        assert presence_of(outsider, ann) == []  # shares no room with ann
        fit(watcher, "presence")
        await again.close()
    finally:
        await watcher.close()
        await outsider.close()


async def test_presence_skips_rooms_over_the_limit_and_reaches_a_socket_once_however_many_rooms_it_shares(served):
    base, app = served
    presence = app.state.runtime.signals.presence
    ann, bob, carol = Person(base, "ann"), Person(base, "bob"), Person(base, "carol")
    ann.room(bob), ann.room(bob), ann.room(bob, carol)  # two small rooms with bob, one of three
    watcher, big_room_only = await live(base, bob), await live(base, carol)
    presence.room_limit = 2
    try:
        ann_socket = await live(base, ann)
        await watcher.wait_for(lambda s: presence_of(s, ann) == [True])
        await asyncio.sleep(0.5)
        assert presence_of(watcher, ann) == [True]  # once, though they share two rooms
        assert presence_of(big_room_only, ann) == []  # carol shares only the room of three
        await ann_socket.close()
    finally:
        presence.room_limit = app.state.runtime.settings.presence_room_limit
        await watcher.close()
        await big_room_only.close()


def marker_events(app, user: Person, room: str) -> tuple[int, int]:
    """(MarkRead events in the log for the user's marker, its position)."""
    runtime = app.state.runtime
    marker = runtime.services.app.repository.get(read_marker_id(UUID(user.user_id), UUID(room)))
    return marker.version, marker.position


async def scroll(reader, room: str, positions) -> list[int]:
    """Marks as a scrolling client sends them: every 20 ms, not waiting for the acks."""
    marks = []
    for position in positions:
        marks.append(asyncio.create_task(reader.call("read:mark", {"room_id": room, "up_to_position": position})))
        await asyncio.sleep(0.02)
    return [msgspec.convert(await mark, ReadMarked).last_read_position for mark in marks]


async def test_a_burst_of_100_marks_is_written_a_few_times_and_each_ack_follows_its_write(served):
    base, app = served
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    for n in range(100):  # the log goes past 100: a mark past its head is clamped to the head
        ann.send(room, f"m{n}")
    reader, watcher = await live(base, ann), await live(base, bob)
    try:
        acks = await scroll(reader, room, range(1, 101))
        assert acks[-1] == 100 and all(ack >= position for position, ack in zip(range(1, 101), acks))
        writes, position = marker_events(app, ann, room)
        assert position == 100 and writes <= 6, writes  # acked, so already written
        back = await reader.call("read:mark", {"room_id": room, "up_to_position": 7})  # never moves back
        assert back == {"ok": True, "last_read_position": 100}
        await watcher.wait_event("read:receipt", lambda d: d["user_id"] == ann.user_id and d["up_to_position"] == 100)
        await asyncio.sleep(1.5)
        head = (await reader.call("read:mark", {"room_id": room, "up_to_position": 10**9}))["last_read_position"]
        assert head > 100 and await watcher.wait_event("read:receipt", lambda d: d["up_to_position"] == head)
        receipts = [d for d in watcher.named("read:receipt") if d["user_id"] == ann.user_id]
        assert len(receipts) == marker_events(app, ann, room)[0]  # one receipt per write: one source
        assert len({d["position"] for d in receipts}) == len(receipts)
    finally:
        await reader.close()
        await watcher.close()


async def test_a_mark_waiting_for_its_write_does_not_hold_up_a_send(served):
    base, app = served
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    first, last = ann.send(room, "one"), ann.send(room, "two")
    reader = await live(base, ann)
    try:
        await reader.call("read:mark", {"room_id": room, "up_to_position": first})
        pending = asyncio.create_task(reader.call("read:mark", {"room_id": room, "up_to_position": last}))
        await asyncio.sleep(0.05)
        sent = await reader.call("message:send", {"room_id": room, "body": "meanwhile", "client_msg_id": "c-1"})
        assert sent["ok"] and not pending.done()  # the send was answered while the mark waits
        assert (await pending)["last_read_position"] == last
        assert marker_events(app, ann, room)[1] == last
    finally:
        await reader.close()


async def test_a_pending_mark_is_written_when_its_socket_disconnects(served):
    base, app = served
    ann, bob = Person(base, "ann"), Person(base, "bob")
    room = ann.room(bob)
    first, last = ann.send(room, "one"), ann.send(room, "two")
    reader = await live(base, ann)
    await reader.call("read:mark", {"room_id": room, "up_to_position": first})
    await reader.emit("read:mark", {"room_id": room, "up_to_position": last})  # the client leaves before its ack
    await asyncio.sleep(0.1)
    assert marker_events(app, ann, room)[1] == first  # the second waits for the debounce
    await reader.close()
    deadline = time.monotonic() + 5
    while marker_events(app, ann, room)[1] != last:
        assert time.monotonic() < deadline, "the pending mark was lost"
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
def with_redis(tmp_path_factory):
    """The notification host runs in a thread of the app and reaches its signals over Redis."""
    with uvicorn_serving(tmp_path_factory.mktemp("digests"), redis_url=require_redis(),
                         notification_ack_timeout_s=1.0) as url:
        yield url


async def test_a_digest_reaches_the_socket_and_its_ack_is_recorded(with_redis):
    base = with_redis
    ann, bob = Person(base, "ann"), Person(base, "bob")
    assert ann.call("PATCH", "/api/auth/me/notifications", json={"digest_window_s": 1}).status_code == 200
    room = bob.room(ann)
    socket = await live(base, ann)
    try:
        bob.send(room, f"@{ann.name} look")
        digest = await socket.wait_event("notification", timeout=15)
        assert digest["digest_id"] and len(digest["items"]) == 1
        fit(socket, "notification")
        msgspec.convert(await socket.call("notification:ack", {"id": digest["digest_id"]}), Done)
        deadline = time.monotonic() + 10
        while not (acked := ann.call("GET", "/api/notifications/deliveries", params={"status": "acked"}).json()["items"]):
            assert time.monotonic() < deadline, "the ack was not recorded"
            await asyncio.sleep(0.1)
        assert [d["channel"] for d in acked] == ["socket"]
    finally:
        await socket.close()
