"""A room's timeline: edits, deletions and reactions applied; cursor pages both ways; threads."""

from tests.commanding import Do


def test_pages_walk_back_and_forth_by_position(world):
    room = world.room("ann", "bob")
    for i in range(7):
        world.send("ann", room, f"m{i}")
    models = world.catch_up()
    latest = models.messages(room, before=None, after=None, limit=3)
    assert [m["body"] for m in latest["items"]] == ["m4", "m5", "m6"]
    assert latest["next_cursor"] is None
    older = models.messages(room, before=latest["prev_cursor"], after=None, limit=3)
    assert [m["body"] for m in older["items"]] == ["m1", "m2", "m3"]
    oldest = models.messages(room, before=older["prev_cursor"], after=None, limit=3)
    assert [m["body"] for m in oldest["items"]] == ["m0"] and oldest["prev_cursor"] is None
    forward = models.messages(room, before=None, after=oldest["next_cursor"], limit=4)
    assert [m["body"] for m in forward["items"]] == ["m1", "m2", "m3", "m4"]
    assert forward["next_cursor"] == forward["items"][-1]["position"]


def test_edits_deletions_and_reactions_are_applied(world):
    room = world.room("ann", "bob")
    kept, gone = world.send("ann", room, "frist"), world.send("bob", room, "oops")
    Do(world.services).edit(world.as_("ann"), room, kept, "first @bob")
    for who in ("ann", "bob"):
        Do(world.services).add_reaction(world.as_(who), room, kept, "👍")
    Do(world.services).add_reaction(world.as_("bob"), room, kept, "🎉")
    Do(world.services).remove_reaction(world.as_("bob"), room, kept, "🎉")
    Do(world.services).delete(world.as_("bob"), room, gone)
    models = world.catch_up()
    first, second = models.messages(room, before=None, after=None, limit=10)["items"]
    assert (first["body"], first["mentions"]) == ("first @bob", [world.people["bob"]])
    assert first["edited_at"] is not None
    assert first["reactions"] == {"👍": [world.people["ann"], world.people["bob"]]}
    assert (second["body"], second["deleted"]) == (None, True)
    assert models.message(gone)["deleted"] is True


def test_thread_replies_are_reachable_from_their_parent(world):
    room = world.room("ann", "bob")
    root = world.send("ann", room, "topic")
    replies = [world.send("bob", room, f"re {i}", thread_id=root) for i in range(3)]
    models = world.catch_up()
    assert models.message(root)["reply_count"] == 3
    thread = models.thread(root, after=None, limit=2)
    assert [m["message_id"] for m in thread["items"]] == replies[:2]
    rest = models.thread(root, after=thread["next_cursor"], limit=2)
    assert [m["message_id"] for m in rest["items"]] == replies[2:] and rest["next_cursor"] is None
