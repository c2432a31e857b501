"""The feed: one row per room event as clients receive it, and each member's spans."""

import json

from hubbub.projections.registry import projector
from tests.commanding import Do


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
