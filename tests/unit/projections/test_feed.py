"""The feed: one row per room event as clients receive it, and each member's spans."""

import json

from hubbub.application import commands as c
from hubbub.application.context import CommandContext
from hubbub.domain.audit import ERASED
from hubbub.projections.feed.projector import MESSAGES
from hubbub.projections.registry import projector, selected
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from tests.commanding import Do

from .world import everything


def rows(world, room_id):
    world.catch_up()
    found = world.read_models.feed_of_room(str(room_id), 0, world.services.app.head(), 100)
    return [(event, json.loads(payload)) for _, _, event, payload in found]


def test_each_room_event_becomes_its_contract_event_in_position_order(world):
    room = world.room("ann", "bob")
    sent = Do(world.services).send(world.as_("ann"), room, "hi")
    Do(world.services).add_reaction(world.as_("bob"), room, sent.message.id, "👍")
    Do(world.services).edit(world.as_("ann"), room, sent.message.id, "hi all")
    Do(world.services).remove_reaction(world.as_("bob"), room, sent.message.id, "👍")
    Do(world.services).delete(world.as_("ann"), room, sent.message.id)
    Do(world.services).mark_read(world.as_("bob"), room, sent.position)
    found = rows(world, room)
    assert [event for event, _ in found] == [
        "room:updated", "message:new", "reaction", "message:edited", "reaction", "message:deleted", "read:receipt"]
    positions = [payload["position"] for _, payload in found]
    assert positions == sorted(positions) and all(p["room_id"] == str(room) and p["at"] for _, p in found)
    new, reaction, edited = found[1][1], found[2][1], found[3][1]
    assert new["message"]["body"] == "hi" and new["message"]["position"] == sent.position
    assert reaction == {**reaction, "emoji": "👍", "user_id": str(world.people["bob"]), "added": True}
    assert edited["message"]["body"] == "hi all" and edited["message"]["reactions"] == {"👍": [str(world.people["bob"])]}
    assert found[4][1]["added"] is False and found[5][1]["message_id"] == str(sent.message.id)
    assert found[6][1]["up_to_position"] == sent.position


def test_membership_spans_open_on_joining_and_close_on_leaving(world):
    room = world.room("ann")
    _, joined = Do(world.services).add_members(world.as_("ann"), room, [world.people["bob"]])
    left = Do(world.services).remove_member(world.as_("ann"), room, world.people["bob"])
    _, again = Do(world.services).add_members(world.as_("ann"), room, [world.people["bob"]])
    world.catch_up()
    assert world.read_models.feed_spans(str(world.people["bob"])) == {str(room): [[joined, left], [again, None]]}
    assert [e for e, _ in rows(world, room)] == ["room:updated", "member:joined", "member:left", "member:joined"]
    assert world.read_models.feed_count(str(room), joined, left) == 1


def test_the_feed_is_a_registered_projection():
    assert projector("feed").name == "feed"


def erase(world, name: str) -> int:
    return world.services.commands.call(c.EraseUser(world.people[name], "right to erasure"), CommandContext.system())


def message_bodies(world, room_id) -> list[tuple[str, str, str | None]]:
    return [(event, p["message"]["author_id"], p["message"]["body"])
            for event, p in rows(world, room_id) if "message" in p]


def test_an_erasure_rewrites_the_users_message_rows_and_nobody_elses(world):
    room = world.room("ann", "bob")
    said = world.send("ann", room, "my secret plan")
    Do(world.services).edit(world.as_("ann"), room, said, "my secret plan, revised")
    world.send("bob", room, "nothing personal")
    gone = world.send("ann", room, "soon deleted")
    Do(world.services).delete(world.as_("ann"), room, gone)
    world.catch_up()  # folded before the erasure: the rows hold ann's text
    ann, bob = str(world.people["ann"]), str(world.people["bob"])
    erase(world, "ann")
    assert message_bodies(world, room) == [
        ("message:new", ann, ERASED), ("message:edited", ann, ERASED), ("message:new", bob, "nothing personal"),
        ("message:new", ann, ERASED)]
    assert [e for e, _ in rows(world, room)][-1] == "message:deleted"
    states = {doc["_id"]: doc["body"] for doc in world.view("feed").find(MESSAGES, {})}
    assert states[str(said)] == ERASED and states[str(gone)] is None and "nothing personal" in states.values()


def test_after_an_erasure_a_rebuilt_feed_equals_the_live_one(world):
    room = world.room("ann", "bob")
    said = world.send("ann", room, "my secret plan")
    Do(world.services).add_reaction(world.as_("bob"), room, said, "👍")
    world.catch_up()
    erase(world, "ann")
    Do(world.services).edit(world.as_("ann"), room, said, "written after the erasure")
    live = rows(world, room)
    rebuild(EventLog(world.services.app), world.read_models.read_store, selected("feed"), grace_s=0)
    assert rows(world, room) == live
    assert "my secret plan" not in json.dumps(everything(world.view("feed"), projector("feed").collections))
