"""The inbox: mentions, replies, DMs and reactions; read and read-all are commands that survive rebuilds."""

import pytest

from hubbub.domain.errors import InvalidInput
from hubbub.domain.inbox import Inbox
from hubbub.projections.runtime.log import EventLog
from hubbub.projections.runtime.rebuild import rebuild
from hubbub.projections.registry import selected
from tests.commanding import Do


def kinds(world, name):
    return [(n["kind"], n["read"]) for n in world.read_models.notifications(world.people[name], None, 50)["items"]]


def test_mentions_replies_dms_and_reactions_notify_the_right_people(world):
    room, dm = world.room("ann", "bob", "cat"), world.room("ann", "bob", kind="dm")
    root = world.send("ann", room, "plan for @cat")
    world.send("bob", room, "sounds good", thread_id=root)
    world.send("bob", dm, "psst @ann")
    Do(world.services).add_reaction(world.as_("cat"), room, root, "🎉")
    Do(world.services).add_reaction(world.as_("ann"), room, root, "👍")  # own message: no notification
    world.catch_up()
    assert kinds(world, "ann") == [("reaction", False), ("mention", False), ("reply", False)]
    assert world.read_models.notifications(world.people["ann"], None, 50)["items"][1]["reasons"] == ["mention", "dm"]
    assert kinds(world, "cat") == [("mention", False)]
    assert kinds(world, "bob") == []


def test_deleting_a_message_withdraws_its_notifications(world):
    room = world.room("ann", "bob")
    message = world.send("ann", room, "hey @bob")
    Do(world.services).delete(world.as_("ann"), room, message)
    world.catch_up()
    assert kinds(world, "bob") == []


def test_read_and_read_all_survive_a_rebuild(world):
    room = world.room("ann", "bob")
    for i in range(3):
        world.send("ann", room, f"@bob {i}")
    items = world.catch_up().notifications(world.people["bob"], None, 10)["items"]
    Do(world.services).mark_notifications_read(world.as_("bob"), [items[0]["id"]])
    world.catch_up()
    items = world.read_models.notifications(world.people["bob"], None, 10)["items"]
    assert [n["read"] for n in items] == [True, False, False]
    assert world.read_models.unread_notifications(world.people["bob"]) == 2
    up_to, _ = Do(world.services).mark_all_notifications_read(world.as_("bob"))
    world.send("ann", room, "@bob after")
    rebuild(EventLog(world.services.app), world.read_models.read_store, selected("inbox"), grace_s=0)
    page = world.catch_up().notifications(world.people["bob"], None, 10)
    assert [n["read"] for n in page["items"]] == [False, True, True, True] and page["unread"] == 1


def test_pages_go_back_by_cursor(world):
    room = world.room("ann", "bob")
    for i in range(5):
        world.send("ann", room, f"@bob {i}")
    models = world.catch_up()
    first = models.notifications(world.people["bob"], None, 3)
    rest = models.notifications(world.people["bob"], first["next_cursor"], 3)
    assert [n["preview"] for n in first["items"] + rest["items"]] == [f"@bob {i}" for i in range(4, -1, -1)]
    assert rest["next_cursor"] is None
    with pytest.raises(InvalidInput):
        models.notifications(world.people["bob"], "not-a-cursor", 3)


def test_the_inbox_aggregate_refuses_repeats_and_never_moves_back():
    from uuid import uuid4

    inbox, first = Inbox.open(uuid4()), uuid4()
    assert inbox.mark_read([first, first]) is True
    assert inbox.mark_read([first]) is False
    assert inbox.mark_all_read(10) is True and inbox.mark_all_read(5) is False
    with pytest.raises(InvalidInput):
        inbox.mark_read([])
    with pytest.raises(InvalidInput):
        inbox.mark_all_read(-1)
