"""An erasure reaches the Socket.IO replay: a `since` replay shows "[erased]" for the user's message
text, once the erasure is projected and again after the feed (then everything) is rebuilt."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.adapters.gateway.server import with_sockets
from hubbub.adapters.http.app import create_app
from hubbub.application.context import CommandContext
from hubbub.domain.audit import ERASED
from hubbub.projections.registry import selected
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from tests.commanding import Do
from tests.e2e.conftest import e2e_settings
from tests.e2e.sockets import Person, Socket, uvicorn_running
from tests.polling import wait_until


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, the app's runtime): the runtime to promote an admin and to rebuild with."""
    app = create_app(e2e_settings(tmp_path_factory.mktemp("erase")))
    with uvicorn_running(with_sockets(app)) as base:
        yield base, app.state.runtime


async def replayed(base: str, person: Person, room: str) -> list[tuple[str, str, str]]:
    """(event, author, body) of each message row of `room` a replay from the start delivers."""
    socket = await Socket(base, person.token, since=0).connect()
    try:
        await socket.wait_event("sync:done")
        return [(event, data["message"]["author_id"], data["message"]["body"]) for event, data in socket.durable()
                if data["room_id"] == room and "message" in data]
    finally:
        await socket.close()


def rebuilt(runtime, names: str) -> None:
    store = runtime.read_models.read_store
    # With a grace period, as `hubbub projections rebuild` runs, shorter: queries that began on an old
    # version (the gateway's tail polls the feed without pause) finish before it is dropped.
    versions = rebuild(EventLog(runtime.services.app), store, selected(names), grace_s=0.5)
    wait_until(lambda: all(store.active_version(n) == v for n, v in versions.items()))


async def test_a_replay_shows_the_erased_users_text_as_erased_live_and_after_rebuilds(served):
    base, runtime = served
    ann, bob, eraser = Person(base, "ann"), Person(base, "bob"), Person(base, "eraser")
    Do(runtime.services).promote(CommandContext.system(), eraser.name)
    room = ann.room(bob)
    sent = ann.call("POST", f"/api/rooms/{room}/messages", json={"body": "the zebracorn plan"})
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["message_id"]
    edited = ann.call("PATCH", f"/api/rooms/{room}/messages/{message_id}", json={"body": "the zebracorn plan, v2"})
    assert edited.status_code == 200, edited.text
    bob.send(room, "nothing personal")
    before = await replayed(base, bob, room)
    assert [body for _, _, body in before] == ["the zebracorn plan", "the zebracorn plan, v2", "nothing personal"]

    erased = eraser.call("POST", "/api/audit/erasures", json={"user_id": ann.user_id, "reason": "right to erasure"})
    assert erased.status_code == 202, erased.text
    expected = [("message:new", ann.user_id, ERASED), ("message:edited", ann.user_id, ERASED),
                ("message:new", bob.user_id, "nothing personal")]
    # A replay waits for the feed to reach the log's head, the erasure included.
    assert await replayed(base, bob, room) == expected

    await asyncio.to_thread(rebuilt, runtime, "feed")
    assert await replayed(base, bob, room) == expected
    await asyncio.to_thread(rebuilt, runtime, "all")
    assert await replayed(base, ann, room) == expected
