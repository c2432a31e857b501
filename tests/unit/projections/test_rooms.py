"""The room list and unread counts, as GET /api/rooms and …/messages/unread read them."""

from hubbub.projections.rooms import unread as unread_rules
from tests.commanding import Do


def counts(world, name, room_id):
    return world.read_models.unread(world.people[name], room_id)


def test_the_room_list_carries_summary_role_and_counts(world):
    room = world.room("ann", "bob")
    world.send("ann", room, "hello @bob")
    rooms = world.catch_up().rooms_of(world.people["bob"])
    assert len(rooms) == 1
    listed = rooms[0]
    assert (listed["room_id"], listed["kind"], listed["role"], listed["member_count"]) == (room, "group", "member", 2)
    roles = {m["user_id"]: m["role"] for m in listed["members"]}
    assert roles == {world.people["ann"]: "owner", world.people["bob"]: "member"}
    assert (listed["unread"], listed["mentions"], listed["muted"]) == (1, 1, False)
    assert listed["last_message"]["body"] == "hello @bob"


def test_own_messages_never_count_and_reading_clears(world):
    room = world.room("ann", "bob")
    world.send("ann", room, "one")
    world.send("bob", room, "two")
    world.catch_up()
    assert counts(world, "ann", room)["unread"] == 1
    assert counts(world, "bob", room)["unread"] == 1
    head = world.services.app.head()
    Do(world.services).mark_read(world.as_("bob"), room, head)
    world.catch_up()
    assert counts(world, "bob", room) == {"unread": 0, "mentions": 0, "last_read_position": head}


def test_a_deleted_unread_message_stops_counting(world):
    room = world.room("ann", "bob")
    first = world.send("ann", room, "hi @bob")
    world.send("ann", room, "still here")
    Do(world.services).delete(world.as_("ann"), room, first)
    world.catch_up()
    assert counts(world, "bob", room)["unread"] == 1
    assert counts(world, "bob", room)["mentions"] == 0


def test_an_edit_that_adds_a_mention_counts_it_and_one_that_removes_it_uncounts_it(world):
    room = world.room("ann", "bob", "cat")
    sent = world.send("ann", room, "hello")
    Do(world.services).edit(world.as_("ann"), room, sent, "hello @bob")
    world.catch_up()
    assert counts(world, "bob", room)["mentions"] == 1
    Do(world.services).edit(world.as_("ann"), room, sent, "hello @cat")
    world.catch_up()
    assert (counts(world, "bob", room)["mentions"], counts(world, "cat", room)["mentions"]) == (0, 1)


def test_muted_rooms_keep_their_counts_but_leave_the_badge(world):
    loud, quiet = world.room("ann", "bob"), world.room("ann", "bob")
    world.send("ann", loud, "a @bob")
    world.send("ann", quiet, "b @bob")
    world.send("ann", quiet, "c")
    Do(world.services).set_muted(world.as_("bob"), quiet, True)
    models = world.catch_up()
    assert counts(world, "bob", quiet)["unread"] == 2
    assert models.badge(world.people["bob"]) == {"unread": 1, "mentions": 1}
    assert next(r for r in models.rooms_of(world.people["bob"]) if r["room_id"] == quiet)["muted"] is True


def test_history_before_joining_is_not_unread_and_leaving_hides_the_room(world):
    room = world.room("ann", "bob")
    world.send("ann", room, "before dan")
    Do(world.services).add_members(world.as_("ann"), room, [world.people["dan"]])
    world.send("ann", room, "after dan")
    world.catch_up()
    assert counts(world, "dan", room)["unread"] == 1
    Do(world.services).remove_member(world.as_("dan"), room, world.people["dan"])
    assert world.catch_up().rooms_of(world.people["dan"]) == []
    assert world.read_models.room(room)["member_count"] == 2


def test_reading_up_to_an_old_position_recounts_beyond_the_tail(world, monkeypatch):
    monkeypatch.setattr(unread_rules, "TAIL", 3)
    room = world.room("ann", "bob")
    positions = [Do(world.services).send(world.as_("ann"), room, f"m{i}").position for i in range(8)]
    Do(world.services).mark_read(world.as_("bob"), room, positions[2])
    world.catch_up()
    assert counts(world, "bob", room)["unread"] == 5


def test_a_room_shows_members_pins_and_ownership(world):
    room = world.room("ann", "bob")
    message = world.send("bob", room, "pin me")
    Do(world.services).pin(world.as_("ann"), room, message)
    Do(world.services).remove_member(world.as_("ann"), room, world.people["ann"])
    shown = world.catch_up().room(room)
    assert shown["pinned"] == [message]
    assert [(m["user_id"], m["role"]) for m in shown["members"]] == [(world.people["bob"], "owner")]
    assert world.read_models.room(world.people["ann"]) is None


def test_room_sizes_follow_joins_and_leaves(world):
    small, big = world.room("ann", "bob"), world.room("ann", "bob", "cat")
    assert world.catch_up().room_sizes_of(world.people["bob"]) == {small: 2, big: 3}
    Do(world.services).add_members(world.as_("ann"), big, [world.people["dan"]])
    Do(world.services).remove_member(world.as_("bob"), small, world.people["bob"])
    assert world.catch_up().room_sizes_of(world.people["bob"]) == {big: 4}
    assert world.read_models.room_sizes_of(world.people["dan"]) == {big: 4}
